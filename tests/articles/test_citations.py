"""Citations: GB/T 7714 through citeproc-py and the official CSL style; BibTeX, RIS and CSL-JSON,
each read back by an independent library and checked field by field."""

import json

import bibtexparser
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
from citeproc.source.json import CiteProcJSON
from django.conf import settings

from articles import citations
from tests.conftest import YUAN, ZHONGXIN


def test_gb_t_7714_as_cnki_prints_it(seed_articles):
    assert (
        citations.gb_t_7714(seed_articles[ZHONGXIN])
        == "杨骏, 李俊晓. 中新互联互通项目10年合作硕果累累[N]. 重庆日报, 2025-11-11."
    )


def test_citeproc_py_drops_the_type_code_without_a_url(seed_articles):
    # The processor's bug the module works around: the style's "[N]" group is suppressed.
    article = seed_articles[ZHONGXIN]
    item = citations.csl(article, with_url=False)
    bibliography = CitationStylesBibliography(
        citations._style(), CiteProcJSON([item]), formatter.plain
    )
    bibliography.register(Citation([CitationItem(item["id"])]))
    (raw,) = map(str, bibliography.bibliography())
    assert raw == "[1]杨骏, 李俊晓. 中新互联互通项目10年合作硕果累累. 重庆日报, 2025-11-11."


def test_what_the_processor_prints_before_the_two_adjustments(seed_articles):
    # Documented in articles.citations: the numeric style's list label, and the URL that makes
    # the reference an online one ([N/OL]). The article is cited as printed, alone.
    article = seed_articles[ZHONGXIN]
    bibliography = CitationStylesBibliography(
        citations._style(), CiteProcJSON([citations.csl(article)]), formatter.plain
    )
    bibliography.register(Citation([CitationItem(f"article-{article.pk}")]))
    (raw,) = map(str, bibliography.bibliography())
    assert raw.startswith("[1]杨骏, 李俊晓. 中新互联互通项目10年合作硕果累累[N/OL]. 重庆日报")
    assert raw.endswith(f"{settings.SITE_URL}/a/{article.pk}/.")


def test_bibtex_reads_back(seed_articles):
    article = seed_articles[ZHONGXIN]
    library = bibtexparser.parse_string(citations.bibtex([article]))
    (entry,) = library.entries
    assert entry.entry_type == "article"
    assert entry["title"] == ZHONGXIN
    assert entry["author"] == "杨骏 and 李俊晓"
    assert entry["journal"] == "重庆日报"
    assert (entry["year"], entry["month"], entry["day"]) == ("2025", "11", "11")
    assert entry["url"] == f"{settings.SITE_URL}/a/{article.pk}/"
    assert entry.key.startswith("yangjun2025-")


def test_ris_reads_back(seed_articles):
    articles = [seed_articles[ZHONGXIN], seed_articles[YUAN]]
    first, second = rispy.loads(citations.ris(articles))
    assert first["type_of_reference"] == "NEWS"
    assert first["title"] == ZHONGXIN
    assert first["authors"] == ["杨骏", "李俊晓"]
    assert first["secondary_title"] == "重庆日报"
    assert first["date"] == "2025/11/11"
    assert first["urls"] == [f"{settings.SITE_URL}/a/{articles[0].pk}/"]
    assert second["title"] == YUAN


def test_csl_json_reads_back_into_the_processor(seed_articles):
    article = seed_articles[YUAN]
    items = json.loads(citations.csl_json([article]))
    bibliography = CitationStylesBibliography(
        citations._style(), CiteProcJSON(items), formatter.plain
    )
    bibliography.register(Citation([CitationItem(items[0]["id"])]))
    (entry,) = map(str, bibliography.bibliography())
    assert YUAN in entry and "重庆日报, 2025-11-11" in entry


def test_the_article_page_cites_it(client, seed_articles):
    article = seed_articles[ZHONGXIN]
    html = client.get(article.get_absolute_url()).content.decode()
    assert citations.gb_t_7714(article) in html
    assert f"{settings.SITE_URL}/a/{article.pk}/" in html
    response = client.get(f"/a/{article.pk}/cite.ris")
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert rispy.loads(response.content.decode())[0]["title"] == ZHONGXIN
    assert bibtexparser.parse_string(client.get(f"/a/{article.pk}/cite.bib").content.decode())
    assert json.loads(client.get(f"/a/{article.pk}/cite.json").content)[0]["title"] == ZHONGXIN


def test_a_result_set_cites_every_hit(client, seeded_index):
    records = rispy.loads(client.get("/search/", {"q": "重庆", "format": "ris"}).content.decode())
    assert {record["title"] for record in records} == {ZHONGXIN, YUAN}
    items = json.loads(client.get("/search/", {"q": "陆海新通道", "format": "csl"}).content)
    assert [item["title"] for item in items] == [ZHONGXIN]
    library = bibtexparser.parse_string(
        client.get("/search/", {"q": "重庆", "format": "bib"}).content.decode()
    )
    assert len(library.entries) == 2
