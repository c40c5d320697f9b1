"""`{% once_per_language %}…{% endonce_per_language %}`: a part of a template that reads the
same on every page in a language (a table's heading, caption and column headers), rendered
once per language and kept.

The village page's two tables have 17 such `{% translate %}` tags, each rendered again on every
request (6 µs a tag; bench/README.md, "Village page at 1 connection"). Only text and
`{% translate "a literal" %}` may stand inside: anything else is refused when the template is
compiled, so what is kept can depend on nothing but the language (and on autoescaping, also
part of the key).
"""

from __future__ import annotations

from django import template
from django.template.base import Node, NodeList, TextNode, Variable
from django.templatetags.i18n import TranslateNode
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
                "{% once_per_language %} holds only text and {% translate %} of a literal, "
                f"not {node.token.contents if node.token else node!r}"
            )
    return OncePerLanguageNode(nodelist)


def _language_only(node: Node) -> bool:
    """Text, or a `{% translate "…" %}` of a literal without filters, context or `as`."""
    if isinstance(node, TextNode):
        return True
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
        self.rendered: dict[tuple[str | None, bool], SafeString] = {}

    def render(self, context) -> SafeString:
        key = (get_language(), context.autoescape)
        text = self.rendered.get(key)
        if text is None:  # two threads may both render it: the same text either way
            text = self.rendered[key] = self.nodelist.render(context)
        return text
