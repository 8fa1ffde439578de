"""Actualités: the news partners post, moderated by the coordinators, with their weekly
digest. Their public pages live here (`views`, `urls`, mounted under `/actualites/`); the
`News` model, its form and its services sit beside the documents' in the library's
modules, which both share (tags, territories, enjeux, visibility, moderation)."""
