import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from textkit.case import snake_case


def test_acronym_start():
    assert snake_case('HTTPServer') == 'http_server'


def test_xml():
    assert snake_case('XMLParser') == 'xml_parser'


def test_camel():
    assert snake_case('CamelCase') == 'camel_case'


def test_acronym_middle():
    assert snake_case('getHTTPResponse') == 'get_http_response'


def test_lower():
    assert snake_case('x') == 'x'
