"""One pager for every list page that grows with the number of units.

A list page reads `?page=` and `?q=` (a code or name, matched by
`pts.organisations.queries.search_orgs`), keeps every other parameter (as-of date, round, series,
the organisation drilled into) in its links (`web/_pager.html` uses `{% querystring %}`), and
answers htmx's search-as-you-type with only its results (`render_list`), the whole page otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

PER_PAGE = 50
RESULTS_ID = "results"  # the element htmx swaps: a list page's table, its count and its pager
MAX_QUERY = 100


def search_term(request: HttpRequest) -> str:
    """The `q` the user typed, trimmed."""
    return request.GET.get("q", "").strip()[:MAX_QUERY]


def paginate(request: HttpRequest, items: QuerySet[Any] | Sequence[Any], per_page: int | None = None) -> Page:
    """The page `?page=` asks for; a number past the end gives the last page, a bad one the first."""
    return Paginator(items, per_page or PER_PAGE).get_page(request.GET.get("page"))


def render_list(request: HttpRequest, template: str, results_template: str, context: dict[str, Any],
                status: int = 200) -> HttpResponse:
    """The page; or, for htmx swapping the results (search as you type), only `results_template`."""
    htmx = getattr(request, "htmx", None)
    partial = htmx is not None and bool(htmx) and not htmx.history_restore_request and htmx.target == RESULTS_ID
    response = render(request, results_template if partial else template,
                      {"results_id": RESULTS_ID, **context}, status=status)
    patch_vary_headers(response, ("HX-Request",))  # a cache must not serve the fragment for the page
    return response
