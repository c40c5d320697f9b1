from django.urls import path

from units.web import api, embed, feeds
from units.web import coverage as coverage_views
from units.web import pages as views
from units.web import search as search_views
from units.web import targets as target_views

urlpatterns = [
    path("", views.home, name="home"),
    path("u/<int:unit_id>/", views.unit_detail, name="unit"),
    path("u/<int:unit_id>/feed.atom", feeds.unit_feed, name="unit-feed"),
    path("feed.atom", feeds.site_feed, name="site-feed"),
    path("embed/u/<int:unit_id>/<slug:chart_name>/", embed.chart, name="embed"),
    path("v/<int:village_id>/", views.village_detail, name="village"),
    path("coverage/", coverage_views.coverage, name="coverage"),
    path("search/", search_views.search, name="search"),
    path("targets/", target_views.targets_index, name="targets"),
    path("targets/<slug:slug>/", target_views.target_detail, name="target"),
    path("api/v1/units", api.units_list, name="api-units"),
    path("api/v1/figures", api.figures, name="api-figures"),
]
