"""Form widgets drawn in Python (issue 10).

Django draws a drop-down through its template engine, one `{% include %}` of two templates per
`<option>`: the coverage table's filter form has about 150 options (40 dates, 63 provinces, the
districts of the chosen province…), a fifth of that page's time. `ListedSelect` writes the same
HTML, byte for byte, in Python (tests/units/web/test_widgets.py compares the two).
"""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def attrs_html(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: ` name="value"`, a bare ` name` for True, nothing
    for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {name}")
        else:
            parts.append(f' {name}="{conditional_escape(str(value))}"')
    return "".join(parts)


class ListedSelect(forms.Select):
    """A `<select>` of plain choices written without the template engine; choices in groups
    and multiple choices (none in this project) are left to Django's templates."""

    def render(self, name, value, attrs=None, renderer=None):
        # Through iter(): list() asks a model choice list its length first, a COUNT query.
        choices = list(iter(self.choices))
        grouped = any(isinstance(label, (list, tuple)) for _, label in choices)
        if grouped or self.allow_multiple_selected:
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        options = []
        has_selected = False
        for option_value, label in choices:
            option_value = "" if option_value is None else option_value
            text = str(option_value)
            selected = not has_selected and text in chosen
            has_selected |= selected
            options.append(
                f'\n  <option value="{conditional_escape(text)}"'
                f"{' selected' if selected else ''}>{conditional_escape(label)}</option>\n"
            )
        select_attrs = attrs_html(self.build_attrs(self.attrs, attrs))
        name_html = conditional_escape(name)
        return mark_safe(f'<select name="{name_html}"{select_attrs}>{"".join(options)}\n</select>')
