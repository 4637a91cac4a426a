"""Every download is named by core.downloads: a name a browser saves as given, and that cannot break the header."""
from register.core.downloads import attachment, content_disposition


def test_a_danish_file_name_is_kept_whole_and_its_ascii_fallback_is_safe():
    header = content_disposition('Øvelse "på" Ærø.pdf')
    assert header.startswith('attachment; filename="_velse _p__ _r_.pdf"; ')
    assert header.endswith("filename*=UTF-8''%C3%98velse%20%22p%C3%A5%22%20%C3%86r%C3%B8.pdf")


def test_an_attachment_carries_its_type_and_further_headers():
    response = attachment("a;b\r\n", "krav.csv", "text/csv; charset=utf-8", {"X-Content-SHA256": "abc"})
    assert response.mimetype == "text/csv" and response.headers["X-Content-SHA256"] == "abc"
    assert response.headers["Content-Disposition"] == "attachment; filename=\"krav.csv\"; filename*=UTF-8''krav.csv"
    assert response.get_data() == b"a;b\r\n"
