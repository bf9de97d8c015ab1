"""StatusPill: a short coloured label for a payment state, readable on light and dark themes."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtWidgets import QLabel, QWidget


class Tone(StrEnum):
    GOOD = "good"
    BAD = "bad"
    WARN = "warn"
    INFO = "info"
    NEUTRAL = "neutral"


# Saturated fills with white text keep contrast (>= 4.5:1) on either palette.
TONE_COLOURS: dict[Tone, tuple[str, str]] = {
    Tone.GOOD: ("#15803d", "#ffffff"),
    Tone.BAD: ("#b91c1c", "#ffffff"),
    Tone.WARN: ("#b45309", "#ffffff"),
    Tone.INFO: ("#1d4ed8", "#ffffff"),
    Tone.NEUTRAL: ("#4b5563", "#ffffff"),
}


class StatusPill(QLabel):
    """A rounded, coloured status label; the tone is also exposed for tests and styling."""

    def __init__(self, text: str = "", tone: Tone = Tone.NEUTRAL, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("statusPill")
        self._tone = tone
        self.set_status(text, tone)

    @property
    def tone(self) -> Tone:
        return self._tone

    def set_status(self, text: str, tone: Tone) -> None:
        self._tone = tone
        self.setText(text)
        self.setAccessibleName(text)
        self.setProperty("tone", tone.value)
        bg, fg = TONE_COLOURS[tone]
        self.setStyleSheet(
            f"QLabel#statusPill {{ background: {bg}; color: {fg}; border-radius: 10px;"
            " padding: 2px 12px; font-weight: 600; }"
        )
