# Replaces PyInstaller's hook for PySide6.QtGui (user hooks take precedence): the same plugins,
# minus the ones packaging/bundle_rules.py leaves out. Filtering here rather than in the spec
# matters: a plugin dropped after analysis would still leave behind the system libraries it
# pulled in (the GTK theme plugin brings ~20 MB of GTK, cairo and pango).
import os

from bundle_rules import keep
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [
    (src, dest) for src, dest in binaries if keep(os.path.join(dest, os.path.basename(src)))
]
