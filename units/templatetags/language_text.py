"""`{% once_per_language %}…{% endonce_per_language %}`: a part of a template that reads the
same on every page in a language (a table's headings, the site's header), rendered once per
language and kept.

The village page's two tables have 17 `{% translate %}` tags and the header of every page 6
more and 5 `{% url %}`, each rendered again on every request (6 µs a translate, 14 µs a url;
bench/README.md, "Village page at 1 connection"). Only text, `{% translate "a literal" %}` and
`{% url "a-name" %}` without arguments may stand inside: anything else is refused when the
template is compiled, so what is kept depends on nothing but what its key holds: the language,
autoescaping, and the script prefix and URLconf the links are reversed under.
"""

from __future__ import annotations

from django import template
from django.template.base import Node, NodeList, TextNode, Variable
from django.template.defaulttags import URLNode
from django.templatetags.i18n import TranslateNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


@register.tag
def once_per_language(parser, token) -> OncePerLanguageNode:
    nodelist = parser.parse(("endonce_per_language",))
    parser.delete_first_token()
    for node in nodelist:
        if not _language_only(node):
            raise template.TemplateSyntaxError(
                "{% once_per_language %} holds only text, {% translate %} of a literal and "
                "{% url %} of a name alone, "
                f"not {node.token.contents if node.token else node!r}"
            )
    return OncePerLanguageNode(nodelist)


def _language_only(node: Node) -> bool:
    """Text, a `{% translate "…" %}` of a literal without filters, context or `as`, or a
    `{% url "…" %}` of a literal name without arguments or `as`, and outside a namespace (a
    namespaced name reverses under the request's current app)."""
    if isinstance(node, TextNode):
        return True
    if isinstance(node, URLNode):
        name = node.view_name
        literal = isinstance(name.var, str) and not name.filters and ":" not in name.var
        return literal and not (node.args or node.kwargs or node.asvar)
    if not isinstance(node, TranslateNode):
        return False
    message = node.filter_expression
    return (
        isinstance(message.var, Variable)
        and message.var.literal is not None
        and not message.filters
        and node.message_context is None
        and node.asvar is None
    )


class OncePerLanguageNode(Node):
    def __init__(self, nodelist: NodeList):
        self.nodelist = nodelist
        self.rendered: dict[tuple, SafeString] = {}

    def render(self, context) -> SafeString:
        key = (get_language(), context.autoescape, get_script_prefix(), get_urlconf())
        text = self.rendered.get(key)
        if text is None:  # two threads may both render it: the same text either way
            text = self.rendered[key] = self.nodelist.render(context)
        return text
