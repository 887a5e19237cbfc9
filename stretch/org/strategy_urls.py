from django.urls import path

from stretch.org import strategy_views as views

urlpatterns = [
    path("company/strategy/", views.edit, name="strategy"),
    path("company/strategy/pillars/", views.add_pillar, name="strategy-pillars"),
    path("company/strategy/pillars/<int:pillar_id>/", views.change_pillar, name="strategy-pillar"),
    path("company/strategy-map/", views.strategy_map, name="strategy-map"),
]
