"""Composition root: settings -> journal -> secrets -> Antom client -> services -> window.

The one place where objects are built and wired; everything else receives what it needs.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from posapp.config import ConfigError, Environment, Settings, load_settings
from posapp.core.antom import signing
from posapp.core.antom.client import AntomClient
from posapp.core.antom.errors import AntomError, KeyFileTooLargeError
from posapp.core.antom.retry import NO_RETRY, RetryPolicy
from posapp.core.clock import Clock, SystemClock
from posapp.core.journal.errors import JournalError
from posapp.core.journal.identity import JournalIdentity, JournalWrongEnvironment
from posapp.core.journal.leases import leases_for
from posapp.core.journal.location import (
    JournalLocation,
    LocationError,
    keyring_password,
    resolve,
)
from posapp.core.journal.repository import JournalKeyError, JournalRepository
from posapp.core.journal.saved_cards import SavedCardStore
from posapp.core.local_address import till_address
from posapp.core.services.backoffice import BackOfficeService
from posapp.core.services.batch_capture import BatchCaptureService
from posapp.core.services.card_vault import CardVault, CardVaultError, load_card_vault
from posapp.core.services.changes import ChangeFeed
from posapp.core.services.checkout import CheckoutConfig, CheckoutService
from posapp.core.services.day_report import DayReportService
from posapp.core.services.duplicates import DuplicateService
from posapp.core.services.install_key import JournalKeyUnavailable, load_or_create_journal_key
from posapp.core.services.notifications import NotificationListener
from posapp.core.services.pin import (
    DEFAULT_N,
    LEGACY_PIN_FILE,
    TRAINING_PIN_FILE,
    FilePinStore,
    PinManager,
    SecretPinStore,
)
from posapp.core.services.poller import LeasedInFlight, Poller
from posapp.core.services.record_lock import RecordLock
from posapp.core.services.recovery import Recovery, RecoveryReport
from posapp.core.services.saved_cards import SavedCardsService
from posapp.core.services.schedule import PollSchedule
from posapp.core.services.secrets import (
    Credentials,
    KeyringSecretStore,
    SecretStore,
    SecretStoreError,
    SecretStoreUnavailable,
)
from posapp.core.services.settle import Settler
from posapp.logs import setup_logging
from posapp.paths import APP_AUTHOR, APP_NAME, AppDirs, DataDirError, app_dirs

if TYPE_CHECKING:  # started lazily: only training mode needs the sandbox
    from posapp.sandbox import Sandbox
    from posapp.sandbox.process import SandboxProcess

log = logging.getLogger(__name__)


def run_gui(args: argparse.Namespace) -> int:
    try:
        dirs = app_dirs(args.data_dir).create()
        setup_logging(dirs.logs, args.log_level)
    except DataDirError as exc:
        print(f"posapp: {exc.message}", file=sys.stderr)
        _startup_problem(Settings(), exc.message)
        return 2
    try:
        settings = load_settings(dirs.settings_file)
    except ConfigError as exc:
        print(f"posapp: the settings file cannot be used: {exc}", file=sys.stderr)
        return 2
    role = getattr(args, "role", None)
    if role:
        settings = replace(settings, role=role)  # for this run; the settings file keeps its own
    given = getattr(args, "journal", None)
    try:
        # --journal first, else the settings' store server, else this computer's file
        journal = resolve(given or settings.journal_url or None, dirs.journal)
    except LocationError as exc:
        print(f"posapp: {'--journal' if given else 'journal_url'}: {exc}", file=sys.stderr)
        return 2
    log.info("starting posapp GUI in %s mode, data in %s", settings.environment, dirs.data)
    try:
        backend = build_backend(dirs, settings, start=True, journal=journal)
    except BackendError as exc:
        print(f"posapp: {exc.message}", file=sys.stderr)
        _startup_problem(settings, exc.message)
        return 2
    except JournalError as exc:
        print(f"posapp: {exc.user_message} ({exc})", file=sys.stderr)
        _startup_problem(settings, exc.user_message)
        return 2

    from posapp.ui.application import run_application

    try:
        return run_application(dirs, settings, backend)
    finally:
        backend.close()


def _startup_problem(settings: Settings, message: str) -> None:
    """The reason the till cannot start, in a window too (started from a desktop icon, the
    stderr line is never seen); never changes the exit code."""
    try:
        from posapp.ui.application import show_startup_problem

        show_startup_problem(settings, message)
    except Exception:  # the stderr line already said it
        log.exception("the start-up problem could not be shown in a window")


# -- the Backend: what the UI (and the self-test) get -------------------------------------


class BackendError(Exception):
    """The services cannot be built (no keyring, no keys, bad journal); one clear sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.user_message = message


@dataclass(frozen=True, slots=True)
class EnvironmentInfo:
    """What the status bar and the settings screen show about where payments go."""

    environment: Environment
    gateway: str  # base URL requests go to (the embedded sandbox's in training mode)
    client_id: str
    terminal_id: str
    currency: str
    listener_url: str | None  # the notification listener, when it runs
    secrets: str  # where keys live ("system keyring (...)", "embedded sandbox")

    @property
    def training(self) -> bool:
        return self.environment is Environment.TRAINING


@dataclass(eq=False)
class Backend:
    """Everything the UI needs, built and wired by ``build_backend``. Thread-safe services;
    every method may block on the journal or the network, so the UI calls them from worker
    threads (posapp.ui.tasks.TaskRunner) and never from the GUI thread. The UI takes these
    typed services apart in its one build function (``posapp.ui.application
    .build_main_window``): the cashier's and settings' ports (``posapp.ui.till.Till``) and
    the Orders screen's reads and actions (``posapp.ui.models.orders_backend``).

    Services:
      ``checkout``    CheckoutService: ``validate(req)``, ``find_duplicates(card, amount, ref)``,
                      ``pay(CheckoutRequest, confirm_duplicate=False, progress=cb)`` ->
                      CheckoutResult (raises CheckoutInputError(field, message) or
                      DuplicateSuspected), ``refresh(payment_request_id)``, ``new_reference()``
      ``backoffice``  BackOfficeService: ``approve(pin, uses=1)`` -> Approval,
                      ``capture(payment, approval)``, ``cancel(payment, approval)``,
                      ``refund(payment, Money, approval, reason=)`` -> OperationResult
                      (BackOfficeError with a message when refused before sending:
                      the refusals are ``posapp.core.rules``' ``capture_refusal`` /
                      ``cancel_refusal`` / ``refund_refusal``, which the buttons use too),
                      ``held()``, ``duplicates_for(ref)``
      ``duplicates``  DuplicateService: ``open_orders()``, ``count_open()``, ``order(ref)``,
                      ``open_payments()``, ``undo(payment, approval)`` (cancel a held extra
                      payment of an order, refund a captured one in full; journaled)
      ``poller``      Poller: ``watch(payment)``, ``unsettled()``, ``running``
      ``repo``        JournalRepository: order list (``list_payments(filter, page)``),
                      ``held_authorisations``, ``count_by_status``, ``get_payment``,
                      ``captures_for``, ``refunds_for``, ``events_for_payment``,
                      ``duplicate_orders``, ``data_version``, ``verify``
      ``pins``        PinManager: ``set_pin(new, current)``, ``uses_default()``
      ``secrets``     SecretStore (keyring) for the settings screen's key import
      ``settings`` / ``dirs`` / ``info()`` (EnvironmentInfo) / ``sandbox`` (training only:
                      a SandboxProcess, its own process; ``.ledger()``, ``.admin()``)

    Changes: ``changes`` is the till's one ChangeFeed (``subscribe(callback)`` -> unsubscribe;
    ``callback(Change)`` runs on the thread that saw the change: a worker, the poller, the
    listener, or the feed's audit-log follower for other processes' changes); the UI's
    ChangeBridge delivers it on the GUI thread.
    Life cycle: ``start()`` (listener and the change follower, then recovery + poller on a
    background thread), ``recover()`` (synchronous), ``close()`` (stops everything cleanly;
    idempotent).
    """

    settings: Settings
    dirs: AppDirs
    clock: Clock
    repo: JournalRepository
    client: AntomClient
    settler: Settler
    checkout: CheckoutService
    backoffice: BackOfficeService
    poller: Poller
    recovery: Recovery
    pins: PinManager
    secrets: SecretStore
    duplicates: DuplicateService
    changes: ChangeFeed
    day_report: DayReportService
    batch_capture: BatchCaptureService
    saved_cards: SavedCardsService | None = None
    batch_client: AntomClient | None = None  # the batch's own client: it paces its resends
    listener: NotificationListener | None = None
    sandbox: SandboxProcess | Sandbox | None = None  # training (in-process: tests)
    journal: JournalLocation | None = None  # where the journal is (the server's probe)
    last_recovery: RecoveryReport | None = None
    recovered: threading.Event = field(default_factory=threading.Event)
    _closed: bool = False
    _recovery_thread: threading.Thread | None = None

    @property
    def environment(self) -> Environment:
        return self.settings.environment

    def info(self) -> EnvironmentInfo:
        return EnvironmentInfo(
            environment=self.settings.environment,
            gateway=self.client.base_url,
            client_id=self.client.client_id,
            terminal_id=self.settings.terminal_id,
            currency=self.settings.currency,
            listener_url=self.listener.url if self.listener and self.listener.running else None,
            secrets="embedded sandbox" if self.sandbox is not None else self.secrets.describe(),
        )

    def recover(self, progress: Callable[[int, int], None] | None = None) -> RecoveryReport:
        """Re-inquire everything not final (synchronous)."""
        report = self.recovery.run(progress)
        self.last_recovery = report
        self.recovered.set()
        return report

    def start(self, *, recover: bool = True) -> Backend:
        """Listener and change follower now; recovery then the poller on a background thread."""
        if self.listener is not None:
            self.listener.start()
        self.changes.follow(self.repo)

        def run() -> None:
            try:
                if recover:
                    self.recover()
            except Exception:
                log.exception("start-up recovery failed")
            finally:
                self.recovered.set()
                if not self._closed:
                    self.poller.start()
                    self.changes.announce_till()  # settling runs: the status bar says so

        self._recovery_thread = threading.Thread(target=run, name="posapp-recovery", daemon=True)
        self._recovery_thread.start()
        return self

    def close(self) -> None:
        """Stop the poller, the listener, the sandbox; close the client and the journal."""
        if self._closed:
            return
        self._closed = True
        if self._recovery_thread is not None:
            self._recovery_thread.join(30)
        self.poller.close()
        self.changes.stop()
        if self.listener is not None:
            self.listener.stop()
        self.client.close()
        if self.batch_client is not None:
            self.batch_client.close()
        if self.sandbox is not None:
            self.sandbox.stop()
        self.repo.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


FINGERPRINT_KEY_FILE = "card-fingerprint.key"


def _saved_cards(
    repo: JournalRepository,
    client: AntomClient,
    settler: Settler,
    clock: Clock,
    pins: PinManager,
    dirs: AppDirs,
    settings: Settings,
    store: SecretStore,
    *,
    training: bool,
) -> SavedCardsService:
    """Saved cards; their tokens sealed under the install's card key (training: a key file
    of the data dir; otherwise the OS keyring). Without the key, saved cards are refused
    with the reason, and everything else works."""
    vault: CardVault | None = None
    problem: str | None = None
    try:
        vault = load_card_vault(training=training, data_dir=dirs.data, store=store)
    except CardVaultError as exc:
        problem = exc.message
        log.warning("saved cards unavailable: %s", exc.message)
    return SavedCardsService(
        SavedCardStore(repo, settings.terminal_id),
        vault,
        client,
        settler,
        clock,
        terminal_id=settings.terminal_id,
        merchant_account_id=settings.merchant_account_id or client.client_id,
        pins=pins,
        vault_problem=problem,
    )


def _fingerprint_key(dirs: AppDirs) -> bytes:
    """A per-install key for card fingerprints (HMAC), created on first use."""
    path = dirs.data / FINGERPRINT_KEY_FILE
    try:
        data = signing.read_key_file(path)  # bounded: the data dir is the cashier's to edit
        if len(data) == 32:
            return data
    except (FileNotFoundError, KeyFileTooLargeError):
        pass
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def training_only(dirs: AppDirs) -> None:
    """For the self-test and the screenshots, which run training mode over a data folder:
    JournalWrongEnvironment when that folder's settings or journal belong to another
    environment (a live till's folder). Reads only; creates and writes nothing."""
    wanted = JournalIdentity(Environment.TRAINING.value, "")
    try:
        settings: Settings | None = load_settings(dirs.settings_file)
    except ConfigError:
        settings = None  # the callers say what is wrong with it
    if settings is not None and settings.environment is not Environment.TRAINING:
        # also a journal from before identities were recorded: it would be adopted as training
        recorded = JournalIdentity(settings.environment.value, settings.client_id)
        raise JournalWrongEnvironment(recorded, wanted, path=dirs.settings_file)
    if dirs.journal.exists():
        repo = JournalRepository.open(dirs.journal, read_only=True)
        try:
            repo.check_identity(wanted)
        finally:
            repo.close()


def _start_sandbox(dirs: AppDirs, *, in_process: bool = False) -> SandboxProcess | Sandbox:
    """Training mode's embedded sandbox: a child process (``SandboxProcess``), so the till's
    GUI process does no RSA signing or HTTP serving for it; ``in_process``: a ``Sandbox`` in
    this process (tests that move its clock or add faults directly). A disk that is full or
    read-only is one sentence (BackendError), and the sandbox's files are left as they are."""
    import sqlite3

    from posapp.sandbox import Sandbox
    from posapp.sandbox.process import SandboxProcess, SandboxProcessError
    from posapp.sandbox.store import StoreUnavailable

    try:
        if not in_process:
            return SandboxProcess(dirs.sandbox_state).start()
        return Sandbox(dirs.sandbox_state).start()
    except SandboxProcessError as exc:
        raise BackendError(exc.message) from None
    except StoreUnavailable as exc:
        raise BackendError(exc.message) from None
    except OSError as exc:
        raise BackendError(
            f"the training sandbox cannot use {dirs.sandbox_state}: {exc.strerror or exc}"
        ) from None
    except sqlite3.Error as exc:
        raise BackendError(f"the training sandbox cannot use {dirs.sandbox_state}: {exc}") from None


def _stored_credentials(store: SecretStore, settings: Settings) -> Credentials:
    """The keyring's keys for a sandbox / production till; BackendError saying what is wrong."""
    env = settings.environment.value
    try:
        creds = store.load(env)
    except SecretStoreUnavailable as exc:
        raise BackendError(f"{env.capitalize()} mode needs the system keyring: {exc}") from None
    except SecretStoreError as exc:
        raise BackendError(str(exc)) from None
    if creds is None:
        raise BackendError(
            f"No Antom keys are stored for {env} mode: import them with `posapp keys "
            "import --private-key FILE --antom-public-key FILE --client-id ID`"
        )
    if settings.client_id and settings.client_id != creds.client_id:
        raise BackendError(
            f"The settings name client id {settings.client_id} but the keyring holds keys "
            f"for {creds.client_id}: import the right keys or fix the settings"
        )
    return creds


def _check_journal_identity(journal: JournalLocation, wanted: JournalIdentity) -> None:
    """JournalWrongEnvironment if the journal belongs to another environment."""
    repo = JournalRepository.open(journal, password=keyring_password)
    try:
        repo.check_identity(wanted)
    finally:
        repo.close()


def pin_record_name(environment: Environment, client_id: str) -> str:
    """The keyring entry of a till's manager PIN record: one per environment and merchant."""
    return f"{environment.value}/{client_id}"


def pin_lock_path(name: str) -> Path:
    """The lock file serialising every change of the PIN record ``name``: per record, not per
    data dir, so tills (or a second ``--data-dir``) sharing a record share its lock."""
    import platformdirs

    digest = hashlib.sha256(name.encode()).hexdigest()[:24]
    root = Path(platformdirs.user_state_dir(APP_NAME, APP_AUTHOR))
    return root / "locks" / f"pin-{digest}.lock"


def pin_manager(
    dirs: AppDirs,
    environment: Environment,
    client_id: str,
    store: SecretStore,
    *,
    clock: Clock | None = None,
    n: int | None = None,
) -> PinManager:
    """The till's PinManager. Training: the record in a file of the training data dir.
    Otherwise: the record in the OS keyring, the old config/manager_pin.json migrated once."""
    if environment is Environment.TRAINING:
        path = dirs.config / TRAINING_PIN_FILE
        return PinManager(
            FilePinStore(path),
            lock=RecordLock(path.with_name(path.name + ".lock"), key=str(path.resolve())),
            clock=clock,
            training=True,
            n=n or DEFAULT_N,
        )
    name = pin_record_name(environment, client_id)
    return PinManager(
        SecretPinStore(store, name),
        lock=RecordLock(pin_lock_path(name), key=f"pin:{name}"),
        clock=clock,
        legacy_file=dirs.config / LEGACY_PIN_FILE,
        n=n or DEFAULT_N,
    )


def build_backend(
    dirs: AppDirs,
    settings: Settings,
    *,
    secret_store: SecretStore | None = None,
    clock: Clock | None = None,
    client_timeout: float = 10.0,
    client_retry: RetryPolicy | None = None,
    poll_schedule: PollSchedule | None = None,
    poll_concurrency: int = 4,
    pin_cost: int | None = None,
    start: bool = False,
    sandbox_in_process: bool = False,
    journal: JournalLocation | None = None,
) -> Backend:
    """The composition root of the services.

    Training: starts the embedded sandbox (state in ``dirs.sandbox_state``) in a child process
    (``posapp.sandbox.process.SandboxProcess``; ``sandbox_in_process``: a
    ``posapp.sandbox.Sandbox`` in this process, for tests) and talks to it with its own keys. Sandbox/production: the client id and keys
    come from the keyring (``secret_store``, default the OS keyring); no usable keyring or no
    keys -> BackendError with a clear message, and nothing is started. ``journal``: where
    the journal is (``--journal``; default the data folder's ``journal.sqlite3``).
    """
    settings = settings.validate()
    dirs.create()
    journal = journal or JournalLocation(path=dirs.journal)
    clock = clock or SystemClock()
    store: SecretStore = secret_store or KeyringSecretStore()
    sandbox: SandboxProcess | Sandbox | None = None
    training = settings.environment is Environment.TRAINING
    creds = None if training else _stored_credentials(store, settings)
    # The journal before anything else: a journal of another environment is refused before
    # a sandbox starts, a key is made or a request leaves (training recovery over a live
    # journal would mark live payments "never sent").
    _check_journal_identity(
        journal, JournalIdentity(settings.environment.value, creds.client_id if creds else "")
    )
    if creds is None:
        sandbox = _start_sandbox(dirs, in_process=sandbox_in_process)
        base_url, client_id = sandbox.base_url, sandbox.client_id
        private_pem, public_pem = sandbox.merchant_private_key_pem, sandbox.antom_public_key_pem
    else:
        base_url, client_id = settings.gateway, creds.client_id
        private_pem, public_pem = creds.merchant_private_key_pem, creds.antom_public_key_pem
    try:
        client = AntomClient(
            base_url,
            client_id,
            private_pem,
            public_pem,
            timeout=client_timeout,
            retry=client_retry,
        )
    except (AntomError, ValueError) as exc:
        if sandbox is not None:
            sandbox.stop()
        raise BackendError(f"The Antom keys cannot be used: {exc}") from None
    try:
        # the install's journal key: MACs the audit chain and every manager approval
        # (training: a key file of the data dir's own; otherwise the OS keyring)
        journal_key = load_or_create_journal_key(
            training=settings.environment is Environment.TRAINING,
            data_dir=dirs.data,
            store=store,
        )
        repo = JournalRepository.open(
            journal, clock=clock, key=journal_key, password=keyring_password
        )
        try:
            repo.bind_identity(
                JournalIdentity(settings.environment.value, client_id),
                terminal_id=settings.terminal_id,
            )
        except BaseException:
            repo.close()
            raise
    except (JournalKeyUnavailable, JournalKeyError) as exc:
        client.close()
        if sandbox is not None:
            sandbox.stop()
        words = exc.message if isinstance(exc, JournalKeyUnavailable) else exc.user_message
        raise BackendError(words) from None
    except JournalError:
        client.close()
        if sandbox is not None:
            sandbox.stop()
        raise
    terminal = settings.terminal_id
    changes = ChangeFeed()
    settler = Settler(repo, client, clock, terminal, changes=changes)
    pins = pin_manager(dirs, settings.environment, client_id, store, clock=clock, n=pin_cost)
    # what this till sends for a payment holds its lease: no other till's poller meddles
    in_flight = LeasedInFlight(leases=leases_for(repo.journal))
    poller = Poller(
        repo,
        settler,
        clock,
        schedule=poll_schedule,
        concurrency=poll_concurrency,
        in_flight=in_flight,
    )
    listener = None
    if settings.listener_enabled:
        listener = NotificationListener(
            settler,
            client.public_key,
            client_id,
            port=settings.notify_port,
            clock=clock,
            replay_window=timedelta(seconds=settings.notify_replay_window_s),
        ).start()
    redirect_url = settings.payment_redirect_url or None
    if sandbox is not None:
        redirect_url = f"{sandbox.base_url}/sandbox/return"  # the sandbox's own return page
    notify_url = listener.url if listener is not None else None
    public_url = settings.extra.get("notify_public_url")
    if isinstance(public_url, str) and public_url:
        notify_url = public_url  # a store that exposes its listener through a proxy
    checkout = CheckoutService(
        repo,
        client,
        settler,
        clock,
        CheckoutConfig(
            terminal_id=terminal,
            currency=settings.currency,
            fingerprint_key=_fingerprint_key(dirs),
            notify_url=notify_url,
            redirect_url=redirect_url,
            settlement_currency=settings.settlement_currency or None,
            client_ip=till_address(),
        ),
        in_flight=in_flight,
        on_pending=poller.watch,
    )
    backoffice = BackOfficeService(
        repo, settler, pins, clock, terminal, on_pending=poller.watch, in_flight=in_flight
    )
    saved_cards = _saved_cards(
        repo, client, settler, clock, pins, dirs, settings, store, training=training
    )
    saved_cards.attach(checkout)
    changes.subscribe(saved_cards.on_change)
    # Batch capture paces its own resends (a seeded back-off shared by its workers, on
    # REQUEST_TRAFFIC_EXCEED_LIMIT): its client does not retry on its own. Same keys, same
    # journal; the service announces its settler's changes through the main one's listeners.
    batch_client = AntomClient(
        base_url, client_id, private_pem, public_pem, timeout=client_timeout, retry=NO_RETRY
    )
    batch_capture = BatchCaptureService(
        repo,
        Settler(repo, batch_client, clock, terminal),
        pins,
        clock,
        terminal,
        in_flight=in_flight,
        on_pending=poller.watch,
        announce=settler.notify,
    )
    backend = Backend(
        settings=settings,
        dirs=dirs,
        clock=clock,
        repo=repo,
        client=client,
        settler=settler,
        checkout=checkout,
        backoffice=backoffice,
        poller=poller,
        recovery=Recovery(repo, settler, clock, in_flight=in_flight),
        pins=pins,
        secrets=store,
        duplicates=DuplicateService(repo, backoffice, clock, terminal),
        changes=changes,
        saved_cards=saved_cards,
        day_report=DayReportService(repo, pins, clock, terminal),
        batch_capture=batch_capture,
        batch_client=batch_client,
        listener=listener,
        sandbox=sandbox,
        journal=journal,
    )
    if start:
        backend.start()
    return backend
