"""The uploaded files in an S3 object storage (`CDVS_STORAGE=s3`, django-storages), proven
against a real S3 API served on 127.0.0.1 by moto's server (no network): the storage the
settings build from the environment writes, reads back, never overwrites, signs its
links, and the backup round trip goes through it."""

import http.client
import io
import socket
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from cdvs.core.storage import default_storage as storage_setting

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] (serveur S3 local des tests) n'est pas installé"
)

BUCKET = "cdvs-fichiers"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3(settings):
    import boto3  # lazy: only with the local S3 server

    server = moto_server.ThreadedMotoServer(
        ip_address="127.0.0.1", port=_free_port(), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "CDVS_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_S3_REGION_NAME": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "cle-de-test",
        "AWS_SECRET_ACCESS_KEY": "secret-de-test",
    }
    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        region_name=env["AWS_S3_REGION_NAME"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": env["AWS_S3_REGION_NAME"]}
    )
    settings.STORAGES = {**settings.STORAGES, "default": storage_setting(env)}
    try:
        yield client
    finally:
        # moto keeps its buckets in the process: emptied for the next test
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("POST", "/moto-api/reset")
        conn.getresponse().read()
        conn.close()
        server.stop()


def test_a_file_goes_to_the_bucket_and_comes_back(s3):
    from django.core.files.storage import default_storage

    content = b"%PDF-1.4 compte rendu\n" + bytes(range(256)) * 100
    name = default_storage.save("documents/2025/compte-rendu été.pdf", ContentFile(content))
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    stored = s3.get_object(Bucket=BUCKET, Key=name)["Body"].read()
    assert stored == content  # in the bucket itself, byte for byte
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == content
    assert default_storage.size(name) == len(content)
    # never overwritten: a second file of the same name gets a name of its own
    other = default_storage.save("documents/2025/compte-rendu été.pdf", ContentFile(b"autre"))
    assert other != name
    assert s3.get_object(Bucket=BUCKET, Key=name)["Body"].read() == content
    # links are signed (the bucket is private)
    query = urlsplit(default_storage.url(name)).query
    assert "Signature" in query or "X-Amz-Signature" in query
    default_storage.delete(other)
    assert not default_storage.exists(other)


@pytest.mark.django_db(transaction=True)
def test_the_backup_round_trip_goes_through_the_bucket(s3, tmp_path, world):
    from django.core.files.storage import default_storage

    name = default_storage.save("photos/quartier.png", ContentFile(bytes(range(256)) * 40))
    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    default_storage.delete(name)
    default_storage.save("photos/apres.txt", ContentFile(b"depose apres"))
    call_command("restore", str(archive), stdout=io.StringIO())
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert keys == {name}
    assert s3.get_object(Bucket=BUCKET, Key=name)["Body"].read() == bytes(range(256)) * 40
