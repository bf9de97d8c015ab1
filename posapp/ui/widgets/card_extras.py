"""New payment's card options: pay with a saved card, save the keyed card (the customer
agreed), instalments, the brand of a co-badged card and an external 3-D Secure result.

The widget owns its fields and their error lines; the view tells it the amount and the card
prefix as they are typed (``set_context``) and asks it for the options when sending
(``collect``: None after showing each problem next to its field). Plans and saved cards are
loaded through the TaskRunner; nothing here blocks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from posapp.core.antom.messages import (
    MPI_VERSIONS,
    InstallmentPlan,
    MpiData,
    eci_family_problem,
    mpi_problem,
)
from posapp.core.card_options import card_brands_of
from posapp.core.cards import CardBrand, MaskedCard
from posapp.core.journal.saved_cards import SavedCard
from posapp.core.money import Money
from posapp.ui.card_features import CardFeatures, CardOptions
from posapp.ui.tasks import Lane, TaskRunner
from posapp.ui.widgets.field_error import FieldError

log = logging.getLogger(__name__)

_MPI_FIELDS = {
    "mpiData.threeDSVersion": "mpi_version",
    "mpiData.eci": "mpi_eci",
    "mpiData.cavv": "mpi_cavv",
    "mpiData.dsTransactionId": "mpi_ds_id",
}
FIELDS = ("saved_card", "save_card", "installments", "card_brand", *_MPI_FIELDS.values())


def _brand_name(brand: str) -> str:
    if brand in CardBrand.__members__:
        return CardBrand(brand).label
    return brand.replace("_", " ").title()


class CardExtras(QWidget):
    """Signals: ``saved_selected(bool)`` when a saved card is chosen (True) or the keyed card
    is back (False)."""

    saved_selected = Signal(bool)
    plan_selected = Signal(bool)  # instalments chosen: automatic capture only

    def __init__(
        self,
        runner: TaskRunner,
        features: CardFeatures,
        parent: QWidget | None = None,
        *,
        external_3ds: bool = False,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cardExtras")
        self._runner = runner
        self._features = features
        self._today = today
        self._cards: list[SavedCard] = []
        self._plans: tuple[InstallmentPlan, ...] = ()
        self._amount: Money | None = None
        self._brand: str | None = None
        self._pan = ""
        self._accepted: Sequence[str] | None = None
        self._plans_key: tuple[Money | None, str | None] = (None, None)
        self.errors: dict[str, FieldError] = {}

        self.saved = QComboBox(self)
        self.saved.setObjectName("savedCardChoice")
        self.saved.setAccessibleName(self.tr("Pay with a saved card"))
        self.saved.addItem(self.tr("None: the card keyed above"), None)
        self.saved.currentIndexChanged.connect(self._on_saved_changed)
        self.save_card = QCheckBox(
            self.tr("&Save this card for later charges (customer agreed)"), self
        )
        self.save_card.setObjectName("saveCard")
        self.save_card.setAccessibleName(self.tr("Save this card for later charges"))
        self.brand_choice = QComboBox(self)
        self.brand_choice.setObjectName("brandChoice")
        self.brand_choice.setAccessibleName(self.tr("Card brand to use"))
        self.installments = QComboBox(self)
        self.installments.setObjectName("installmentChoice")
        self.installments.setAccessibleName(self.tr("Instalments"))
        self.installments.addItem(self.tr("Pay in full"), None)
        self.installments.currentIndexChanged.connect(
            lambda _i: self.plan_selected.emit(isinstance(self.installments.currentData(), int))
        )

        form = QFormLayout()
        form.addRow(self.tr("Saved card"), self.saved)
        self._error_row(form, "saved_card")
        form.addRow("", self.save_card)
        self._error_row(form, "save_card")
        form.addRow(self.tr("Brand"), self.brand_choice)
        self._error_row(form, "card_brand")
        form.addRow(self.tr("Instalments"), self.installments)
        self._error_row(form, "installments")
        self._form = form

        # external 3-D Secure (MPI) result
        self.mpi_box = QGroupBox(self.tr("External 3-D Secure result"), self)
        self.mpi_box.setObjectName("mpiBox")
        self.mpi_box.setCheckable(True)
        self.mpi_box.setChecked(False)
        self.mpi_version = QComboBox(self)
        for version in MPI_VERSIONS:
            self.mpi_version.addItem(version, version)
        self.mpi_version.setCurrentIndex(self.mpi_version.findData("2.2.0"))
        self.mpi_eci = QLineEdit(self)
        self.mpi_eci.setMaxLength(2)
        self.mpi_eci.setPlaceholderText("05")
        self.mpi_cavv = QLineEdit(self)
        self.mpi_cavv.setMaxLength(40)
        self.mpi_cavv.setPlaceholderText(self.tr("28 base64 or 40 hex characters"))
        self.mpi_ds_id = QLineEdit(self)
        self.mpi_ds_id.setMaxLength(36)
        self.mpi_ds_id.setPlaceholderText("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
        mpi_form = QFormLayout(self.mpi_box)
        for caption, widget, field in (
            (self.tr("Version"), self.mpi_version, "mpi_version"),
            (self.tr("ECI"), self.mpi_eci, "mpi_eci"),
            (self.tr("CAVV"), self.mpi_cavv, "mpi_cavv"),
            (self.tr("DS transaction id"), self.mpi_ds_id, "mpi_ds_id"),
        ):
            mpi_form.addRow(caption, widget)
            widget.setAccessibleName(caption)
            self._error_row(mpi_form, field)
        for edit in (self.mpi_eci, self.mpi_cavv, self.mpi_ds_id):
            edit.textEdited.connect(lambda _t: self.clear_errors())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.mpi_box)
        self.set_external_3ds(external_3ds)
        self._show_brands(())
        self._show_plans(())

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(400)
        self._debounce.timeout.connect(self._load_plans)
        # once the event loop runs: no worker finishes while the window is being built
        QTimer.singleShot(0, self, self.load_saved_cards)

    def _error_row(self, form: QFormLayout, field: str) -> None:
        error = FieldError(self)
        form.addRow("", error)
        self.errors[field] = error

    def _set_row_visible(self, widget: QWidget, field: str, visible: bool) -> None:
        self._form.setRowVisible(widget, visible)
        if not visible:
            self.errors[field].clear_error()

    # -- context from the form ------------------------------------------------------------
    def set_external_3ds(self, enabled: bool) -> None:
        self.mpi_box.setVisible(enabled)
        if not enabled:
            self.mpi_box.setChecked(False)

    def set_accepted(self, brands: Sequence[str] | None) -> None:
        self._accepted = brands
        self._show_brands(card_brands_of(self._pan, brands) if self._pan else ())

    def set_context(self, amount: Money | None, pan_prefix: str) -> None:
        """The amount and the card digits typed so far (kept only to pick brands)."""
        digits = "".join(c for c in pan_prefix if c.isdigit())
        self._pan = digits[:8]  # a prefix is all the brand table needs
        saved = self.saved_card()
        if saved is not None:
            brand: str | None = saved.brand
            self._show_brands(())
        else:
            brands = card_brands_of(self._pan, self._accepted) if len(self._pan) >= 4 else ()
            self._show_brands(brands)
            brand = brands[0] if brands else None
        chosen = self.brand_choice.currentData()
        if isinstance(chosen, str):
            brand = chosen
        self._amount, self._brand = amount, brand
        if (amount, brand) != self._plans_key:
            self._debounce.start()

    def _show_brands(self, brands: Sequence[str]) -> None:
        current = self.brand_choice.currentData()
        self.brand_choice.blockSignals(True)
        self.brand_choice.clear()
        self.brand_choice.addItem(self.tr("Let Antom choose"), None)
        for brand in brands:
            self.brand_choice.addItem(_brand_name(brand), brand)
        index = self.brand_choice.findData(current)
        self.brand_choice.setCurrentIndex(max(index, 0))
        self.brand_choice.blockSignals(False)
        self._set_row_visible(self.brand_choice, "card_brand", len(brands) > 1)

    # -- instalment plans -----------------------------------------------------------------
    def _load_plans(self) -> None:
        amount, brand = self._amount, self._brand
        self._plans_key = (amount, brand)
        if amount is None or brand is None or amount.minor <= 0:
            self._show_plans(())
            return
        self._runner.run(
            self._features.plans,
            amount,
            brand,
            lane=Lane.NETWORK,
            on_done=partial(self._on_plans, (amount, brand)),
            on_error=lambda exc: self._on_plans_failed(exc),
            owner=self,
            label="instalment plans",
        )

    def _on_plans(
        self, key: tuple[Money | None, str | None], plans: tuple[InstallmentPlan, ...]
    ) -> None:
        if key == self._plans_key:
            self._show_plans(plans)

    def _on_plans_failed(self, exc: BaseException) -> None:
        log.info("instalment plans could not be loaded: %s", exc)
        self._show_plans(())

    def plan_text(self, plan: InstallmentPlan) -> str:
        rate = plan.interest_rate
        if rate is None or float(rate) == 0:
            return self.tr("%1 monthly instalments, no interest").replace("%1", str(plan.periods))
        return (
            self.tr("%1 monthly instalments, %2% interest")
            .replace("%1", str(plan.periods))
            .replace("%2", rate)
        )

    def _show_plans(self, plans: tuple[InstallmentPlan, ...]) -> None:
        current = self.installments.currentData()
        self._plans = plans
        self.installments.clear()
        self.installments.addItem(self.tr("Pay in full"), None)
        for plan in plans:
            self.installments.addItem(self.plan_text(plan), plan.periods)
        index = self.installments.findData(current)
        self.installments.setCurrentIndex(max(index, 0))
        self._set_row_visible(self.installments, "installments", bool(plans))

    def plans(self) -> tuple[InstallmentPlan, ...]:
        return self._plans

    # -- saved cards ----------------------------------------------------------------------
    def load_saved_cards(self) -> None:
        self._runner.run(
            self._features.search,
            "",
            lane=Lane.READS,
            on_done=self._on_saved_cards,
            on_error=lambda exc: log.info("saved cards not loaded: %s", exc),
            owner=self,
            label="saved cards for New payment",
        )

    def _on_saved_cards(self, cards: list[SavedCard]) -> None:
        chosen = self.saved.currentData()
        self._cards = [c for c in cards if c.usable]
        self.saved.blockSignals(True)
        self.saved.clear()
        self.saved.addItem(self.tr("None: the card keyed above"), None)
        for card in self._cards:
            label = f"{card.holder_name or '—'} · {_brand_name(card.brand)} •••• {card.last4} ({card.expiry})"
            self.saved.addItem(label, card.id)
        self.saved.setCurrentIndex(max(self.saved.findData(chosen), 0))
        self.saved.blockSignals(False)
        self._set_row_visible(self.saved, "saved_card", bool(self._cards))

    def saved_card(self) -> SavedCard | None:
        card_id = self.saved.currentData()
        return next((c for c in self._cards if c.id == card_id), None)

    def saved_masked(self) -> MaskedCard | None:
        card = self.saved_card()
        return None if card is None else MaskedCard(card.brand, "", card.last4)

    def _on_saved_changed(self, _index: int) -> None:
        using = self.saved_card() is not None
        self.save_card.setEnabled(not using)
        if using:
            self.save_card.setChecked(False)
        self.clear_errors()
        self.saved_selected.emit(using)
        self.set_context(self._amount, self._pan)

    # -- reading --------------------------------------------------------------------------
    def clear_errors(self) -> None:
        for error in self.errors.values():
            error.clear_error()

    def show_error(self, field: str, message: str) -> bool:
        """Show ``message`` next to ``field`` if it is one of these fields."""
        error = self.errors.get(field)
        if error is None:
            return False
        error.show_error(message)
        return True

    def reset(self) -> None:
        self.saved.setCurrentIndex(0)
        self.save_card.setChecked(False)
        self.brand_choice.setCurrentIndex(0)
        self.installments.setCurrentIndex(0)
        self.mpi_box.setChecked(False)
        for edit in (self.mpi_eci, self.mpi_cavv, self.mpi_ds_id):
            edit.clear()
        self.clear_errors()

    def collect(self) -> CardOptions | None:
        """The options chosen, or None after showing each problem next to its field."""
        self.clear_errors()
        ok = True
        saved = self.saved_card()
        if saved is not None and saved.expired(self._today()):
            self.errors["saved_card"].show_error(
                self.tr(
                    "This saved card expired at the end of %1: ask the customer for a new card."
                ).replace("%1", saved.expiry)
            )
            ok = False
        brand = self.brand_choice.currentData()
        if isinstance(brand, str) and saved is None and brand not in card_brands_of(self._pan):
            self.errors["card_brand"].show_error(self.tr("This card does not carry that brand"))
            ok = False
        periods = self.installments.currentData()
        if isinstance(periods, int) and periods not in {p.periods for p in self._plans}:
            self.errors["installments"].show_error(
                self.tr("This plan no longer applies to this amount: choose again")
            )
            ok = False
        mpi = None
        if self.mpi_box.isVisible() and self.mpi_box.isChecked():
            version = str(self.mpi_version.currentData())
            eci = self.mpi_eci.text().strip()
            cavv = self.mpi_cavv.text().strip()
            ds_id = self.mpi_ds_id.text().strip()
            problem = mpi_problem(version, eci, cavv, ds_id)
            family = self._brand if not isinstance(brand, str) else brand
            if problem is not None:
                self.errors[_MPI_FIELDS[problem[0]]].show_error(self.mpi_words(problem[0]))
                ok = False
            elif eci_family_problem(eci, family) is not None:
                self.errors["mpi_eci"].show_error(
                    self.tr("ECI %1 is not a value of this card's brand").replace("%1", eci)
                )
                ok = False
            else:
                mpi = MpiData(version, eci, cavv, ds_id)
        if not ok:
            return None
        return CardOptions(
            save_card=self.save_card.isChecked() and saved is None,
            saved_card=saved.id if saved is not None else None,
            installments=periods if isinstance(periods, int) else None,
            selected_brand=brand if isinstance(brand, str) else None,
            mpi=mpi,
        )

    def mpi_words(self, antom_field: str) -> str:
        if antom_field == "mpiData.threeDSVersion":
            return self.tr("Choose the 3-D Secure version")
        if antom_field == "mpiData.eci":
            return self.tr("The ECI is two digits, 00 to 07")
        if antom_field == "mpiData.cavv":
            return self.tr("The CAVV is 28 characters (base64) or 40 hexadecimal digits")
        return self.tr(
            "The DS transaction id is a UUID (8-4-4-4-12 hexadecimal digits), for 3-D Secure 2 only"
        )


__all__ = ["FIELDS", "CardExtras"]
