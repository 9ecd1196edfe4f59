"""Branded error pages in both languages, even for a 500 (rendered without context processors)."""

from __future__ import annotations

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

CASES = [
    (defaults.bad_request, BadRequest("x"), 400, {"pt-br": "Não conseguimos entender",
                                                  "en": "We could not understand"}),
    (defaults.permission_denied, PermissionDenied(), 403, {"pt-br": "Você não tem permissão",
                                                           "en": "You do not have permission"}),
    (defaults.page_not_found, Http404(), 404, {"pt-br": "Esta página não existe",
                                               "en": "This page does not exist"}),
]


@pytest.mark.parametrize("language", ["pt-br", "en"])
@pytest.mark.parametrize(("view", "exception", "status", "text"), CASES)
def test_client_errors_are_branded(view, exception, status, text, language):
    request = RequestFactory().get("/somewhere/")
    with translation.override(language):
        response = view(request, exception)
    body = response.content.decode()
    assert response.status_code == status
    assert 'data-testid="error-page"' in body and text[language] in body
    assert f'lang="{language}"' in body


@pytest.mark.parametrize(("language", "text"), [("pt-br", "Algo deu errado do nosso lado"),
                                                ("en", "Something went wrong on our side")])
def test_server_error_is_branded(language, text):
    with translation.override(language):
        response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert text in response.content.decode()
