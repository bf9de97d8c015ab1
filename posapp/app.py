"""Composition root: settings -> journal -> secrets -> Antom client -> services -> window.

The one place where objects are built and wired; everything else receives what it needs.
"""

from __future__ import annotations

import argparse
import logging
import sys

from posapp.config import ConfigError, load_settings
from posapp.logs import setup_logging
from posapp.paths import app_dirs

log = logging.getLogger(__name__)


def run_gui(args: argparse.Namespace) -> int:
    dirs = app_dirs(args.data_dir).create()
    setup_logging(dirs.logs, args.log_level)
    try:
        settings = load_settings(dirs.settings_file)
    except ConfigError as exc:
        print(f"posapp: the settings file cannot be used: {exc}", file=sys.stderr)
        return 2
    log.info("starting posapp GUI in %s mode, data in %s", settings.environment, dirs.data)

    from posapp.ui.application import run_application

    return run_application(dirs, settings)
