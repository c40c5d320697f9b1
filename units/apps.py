from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Units and coverage")

    def ready(self) -> None:
        # The domain announces a commit; the web layer warms its pages (units.web.warm).
        from units.domain.coverage import data_committed
        from units.web.warm import warm_on_commit

        data_committed.connect(warm_on_commit, dispatch_uid="units.web.warm")
