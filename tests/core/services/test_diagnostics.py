"""The connection checks as typed steps (what `posapp doctor` prints and Settings shows)."""

from __future__ import annotations

from posapp.core.services.diagnostics import Failure, StepName, Target, check_connection
from posapp.core.usertext import UserText
from posapp.sandbox import Sandbox


def _target(sandbox: Sandbox, **changes: object) -> Target:
    values: dict[str, object] = {
        "source": "test",
        "gateway": sandbox.base_url,
        "client_id": sandbox.client_id,
        "private_key": sandbox.merchant_private_key_pem,
        "public_key": sandbox.antom_public_key_pem,
        "private_name": "the sandbox merchant key",
        "public_name": "the sandbox Antom public key",
    }
    values.update(changes)
    return Target(**values)  # type: ignore[arg-type]


def test_a_good_configuration_passes_four_numbered_steps_with_worded_details() -> None:
    with Sandbox() as sandbox:
        missing = UserText("settings.redirect_url_missing", "x {environment}", environment="p")
        steps = list(check_connection(_target(sandbox, missing=[missing]), 10.0))
    assert [s.name for s in steps] == [
        StepName.SETTINGS,
        StepName.PRIVATE_KEY,
        StepName.PUBLIC_KEY,
        StepName.REQUEST,
        StepName.SIGNATURE,
    ]
    assert [s.name.number for s in steps] == [None, 1, 2, 3, 4]
    settings, *checks = steps
    assert not settings.ok and settings.failure is None and settings.detail == missing
    assert all(s.ok and s.failure is None for s in checks)
    private, _, request, _ = checks
    assert isinstance(private.detail, UserText) and private.detail.id.endswith("private_key_ok")
    assert private.detail.values["bits"] == 2048
    assert isinstance(request.detail, UserText) and request.detail.values["code"] == (
        "ORDER_NOT_EXIST"
    )


def test_the_first_failure_ends_the_checks_and_says_what_kind_it_is() -> None:
    with Sandbox() as sandbox:
        own = _target(sandbox, public_key=sandbox.merchant_public_key_pem)
        steps = list(check_connection(own, 10.0))
        no_url = list(check_connection(_target(sandbox, gateway="ftp://x"), 10.0))
    assert [s.name for s in steps] == [StepName.PRIVATE_KEY, StepName.PUBLIC_KEY]
    assert steps[-1].failure is Failure.KEY and not steps[-1].ok
    assert isinstance(steps[-1].detail, UserText) and steps[-1].detail.id == "doctor.own_public_key"
    assert no_url[-1].name is StepName.GATEWAY and no_url[-1].failure is Failure.INPUT
    assert "is not a gateway URL" in no_url[-1].detail
