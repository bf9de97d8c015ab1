"""The main window: composes the cashier and back-office views; no business logic."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from posapp.config import Environment, Settings


class MainWindow(QMainWindow):
    """Top-level window with the environment banner and the two work areas."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.setWindowTitle("posapp")
        self.resize(1200, 800)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel(self)
        self.banner.setObjectName("environmentBanner")
        if settings.environment is Environment.TRAINING:
            self.banner.setText(
                "TRAINING MODE — payments go to the embedded Antom sandbox; no real money moves"
            )
            self.banner.setStyleSheet("background:#f59e0b;color:#111;font-weight:bold;padding:6px;")
        else:
            self.banner.setText(f"{settings.merchant_name} — client id {settings.client_id}")
        layout.addWidget(self.banner)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(QWidget(self), "New payment")
        self.tabs.addTab(QWidget(self), "Orders")
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
