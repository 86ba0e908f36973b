"""The application gunicorn serves loads its views at start-up and keeps what it loaded out of
the garbage collector's walks (revenue/wsgi.py)."""

import gc
import sys

import revenue.wsgi


def test_the_served_application_has_its_views_loaded_and_its_startup_objects_frozen() -> None:
    assert callable(revenue.wsgi.application)
    assert "apps.sales.views" in sys.modules
    assert gc.get_freeze_count() > 10_000
