"""A serving process settles its garbage collector once the application is built (app/runtime.py)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from app.runtime import GarbageCollectorSettingError, gc_thresholds, settle_for_serving

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_gc_thresholds_are_three_positive_integers_or_pythons_own():
    assert gc_thresholds("20000,20,20") == (20000, 20, 20)
    assert gc_thresholds(" 700, 10 ,10 ") == (700, 10, 10)
    assert gc_thresholds("python") is None and gc_thresholds("Python") is None


@pytest.mark.parametrize("value", ["", "20000", "20000,20", "1,2,3,4", "a,b,c", "0,10,10", "700,-1,10", "7e3,1,1"])
def test_a_malformed_gc_setting_is_refused_with_its_name(value):
    with pytest.raises(GarbageCollectorSettingError, match="GC_THRESHOLDS"):
        gc_thresholds(value)


def test_settling_freezes_start_up_and_sets_the_thresholds(app):
    before = gc.get_threshold()
    app.config["GC_THRESHOLDS"] = "12345,7,8"
    try:
        settle_for_serving(app)
        assert gc.get_threshold() == (12345, 7, 8)
        assert gc.get_freeze_count() > 10_000  # modules, mappers, templates: start-up's objects
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_settling_with_a_bad_setting_changes_nothing(app):
    before = gc.get_threshold(), gc.get_freeze_count()
    app.config["GC_THRESHOLDS"] = "fast"
    with pytest.raises(GarbageCollectorSettingError):
        settle_for_serving(app)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_the_wsgi_entry_point_settles_the_process(tmp_path):
    """What gunicorn loads: the production entry point, in a process of its own."""
    env = os.environ | {"FACETTES_CONFIG": "development", "FACETTES_INSTANCE_DIR": str(tmp_path),
                        "SOCKETIO_ASYNC_MODE": "threading", "GC_THRESHOLDS": "30000,15,15"}
    out = subprocess.run([sys.executable, "-c", "import gc, wsgi; print(gc.get_threshold(), gc.get_freeze_count())"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    thresholds, frozen = out.stdout.strip().rsplit(" ", 1)
    assert thresholds == "(30000, 15, 15)" and int(frozen) > 10_000
