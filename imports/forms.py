"""The staff import forms: upload a report, confirm a previewed one."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from units.models import REFORM_DATE

from . import fields as f
from .layout import SheetHeader
from .mapping import ColumnsRefused, column_mapping_save, column_options
from .unreadable import TOO_LARGE

ACCEPTED = ".xlsx,.xlsm,.xls,.ods"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Report workbook"),
        help_text=_("A village report or a unit summary: .xlsx, .xlsm, .xls or .ods."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )
    date = forms.DateField(
        label=_("Reference date"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text=_("Optional: the file's own date line must agree with it."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    replace = forms.BooleanField(
        label=_("Replace figures already imported for the same date and scope"),
        required=False,
        help_text=_("The replaced version stays in the history and can be restored."),
    )

    def __init__(self, *args, refused_size: int | None = None, **kwargs) -> None:
        """`refused_size`: the upload was stopped at the limit (imports.upload.UploadLimit), so
        the file is missing; the form says it was too large rather than missing."""
        super().__init__(*args, **kwargs)
        self.refused_size = refused_size

    def clean_file(self):
        """Refuse a file over IMPORT_MAX_UPLOAD_BYTES before it is staged or read."""
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise _too_large(upload.size)
        return upload

    def clean(self):
        if self.refused_size is not None:
            self.errors.pop("file", None)  # "This field is required."
            self.add_error("file", _too_large(self.refused_size))
        return super().clean()


def _too_large(size: int) -> forms.ValidationError:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    params = {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    return forms.ValidationError(str(TOO_LARGE % params), code="too_large")


class ConfirmForm(forms.Form):
    replace = forms.BooleanField(
        label=_("Replace the figures already held (they stay in the history and can be restored)"),
        required=False,
    )


NOT_IMPORTED = _("— not imported —")


class ColumnMappingForm(forms.Form):
    """One choice per headed column of a sheet's header: the field it holds, or none."""

    def __init__(
        self, *args, header: SheetHeader, date: datetime.date | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header = header
        options = [("", NOT_IMPORTED), *column_options(header.shape, date)]
        read_as = {column.field for column in header.columns}
        if date is not None and date >= REFORM_DATE and f.DISTRICT not in read_as:
            # No districts from 1/7/2025: a district column would be refused (import-format.md).
            options = [option for option in options if option[0] != f.DISTRICT]
        for column in header.columns:
            self.fields[self.name_of(column.index)] = forms.ChoiceField(
                label=f"{column.letter} · {column.header}",
                choices=options,
                required=False,
                initial=column.field,
            )

    @staticmethod
    def name_of(index: int) -> str:
        return f"column_{index}"

    def choices(self) -> dict[int, str]:
        return {
            column.index: self.cleaned_data.get(self.name_of(column.index), "")
            for column in self.header.columns
        }

    def save(self, user):
        """Remember the choices; a field given two columns is refused on the form."""
        try:
            return column_mapping_save(header=self.header, choices=self.choices(), user=user)
        except ColumnsRefused as refusal:
            self.add_error(None, str(refusal))
            return None
