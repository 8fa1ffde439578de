"""Page-wide French typography: the one place where interface text gets its narrow
no-break space before « : ; ? ! » (see `cdvs.core.french.punctuate`)."""

from cdvs.core.french import punctuate


class FrenchPunctuation:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if (
            content_type.startswith("text/html")
            and not response.streaming
            and not response.get("Content-Encoding")
        ):
            charset = response.charset or "utf-8"
            response.content = punctuate(response.content.decode(charset)).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
