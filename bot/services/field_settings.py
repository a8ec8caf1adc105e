"""Which objects need a custom field coded before they can be marked ready to sync (`is_required_for`),
asked when a field is created (the new-field modal) and changed for an existing one
(`/ramp field <name> required transactions,bills`); and the name Ramp shows for a field
(`display_name`: `/ramp field <name> display "Cost centre"`), which the PATCH body documents.

Ramp's create body takes `is_required_for` and `display_name` (shared/ramp-api/openapi-all-objects.json,
`ApiAccountingCustomFieldCreateRequestBody`). The PATCH body the spec documents
(`ApiAccountingCustomFieldUpdateParamsRequestBody`) lists only name, display_name and is_splittable,
and the resource marks `is_required_for` read-only. So a change is sent by PATCH and then read back:
the bot reports what Ramp holds, and when Ramp refused or ignored it, says to set it in Ramp's UI.

    settings = FieldSettingsService(ramp, audit)
    settings.parse_required("transactions,bills")     # ("TRANSACTION", "BILL")
    settings.find("Department")                       # the CustomField, or None
    settings.set_required(field.ramp_id, ("BILL",), user_id, channel_id)
    settings.set_display_name(field.ramp_id, "Cost centre", user_id, channel_id)
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.ramp import CustomField as CustomField  # what this service hands out: handlers name it from here
from bot.ramp import InvalidInput, RampClient
from bot.ramp.errors import DirectConnectionRefused
from bot.services.audit import AuditLog


@dataclass(frozen=True)
class Requirable:
    """One kind of object a field can be required for."""

    value: str  # Ramp's enum value
    label: str  # as people read it
    words: tuple[str, ...]  # what `/ramp field … required <words>` takes for it


REQUIRABLE: tuple[Requirable, ...] = (
    Requirable("TRANSACTION", "card transactions", ("transactions", "transaction", "cards", "card")),
    Requirable("REIMBURSEMENT", "reimbursements", ("reimbursements", "reimbursement")),
    Requirable("BILL", "bills", ("bills", "bill")),
    Requirable(
        "BILL_PAYMENT", "bill payments", ("bill_payments", "bill-payments", "billpayments", "payments")
    ),
    Requirable("PURCHASE_ORDER", "purchase orders", ("purchase_orders", "purchase-orders", "pos", "po")),
)
_BY_WORD = {word: r.value for r in REQUIRABLE for word in r.words}
_LABELS = {r.value: r.label for r in REQUIRABLE}
NONE_WORDS = ("none", "nothing", "off")


def labels(values: tuple[str, ...] | list[str]) -> str:
    """`card transactions, bills`, or `nothing`, in the table's order."""
    known = [r.label for r in REQUIRABLE if r.value in values]
    return ", ".join([*known, *(v for v in values if v not in _LABELS)]) or "nothing"


def parse_required(text: str) -> tuple[str, ...]:
    """`transactions,bills` -> ("TRANSACTION", "BILL"); `none` -> (); a UserError for a word it lacks."""
    words = [w.strip().lower() for w in text.replace(" ", ",").split(",") if w.strip()]
    if not words:
        raise UserError(
            "Required for what?", "For example `required transactions,bills`, or `required none`."
        )
    if all(w in NONE_WORDS for w in words):
        return ()
    unknown = [w for w in words if w not in _BY_WORD]
    if unknown:
        known = ", ".join(r.words[0] for r in REQUIRABLE)
        raise UserError(f"I do not know “{unknown[0]}”.", f"Use any of: {known}, or `none`.")
    values = {_BY_WORD[w] for w in words}
    return tuple(r.value for r in REQUIRABLE if r.value in values)


@dataclass(frozen=True)
class RequiredChanged:
    field: CustomField  # read back from Ramp after the change
    asked: tuple[str, ...]
    refused: str = ""  # Ramp's message (and trace id) when it refused the change

    @property
    def applied(self) -> bool:
        return not self.refused and set(self.field.is_required_for) == set(self.asked)


@dataclass(frozen=True)
class DisplayNameChanged:
    field: CustomField  # read back from Ramp after the change
    asked: str

    @property
    def applied(self) -> bool:
        return (self.field.display_name or "") == self.asked


MAX_DISPLAY_NAME = 200  # assumption: the spec gives no length; a name longer than this is a mistake


class FieldSettingsService:
    def __init__(self, ramp: RampClient, audit: AuditLog) -> None:
        self._ramp = ramp
        self._audit = audit

    def find(self, name: str) -> CustomField | None:
        """The active custom field of that name, or else of that ERP id, whatever the case."""
        wanted = name.strip().casefold()
        fields = list(self._ramp.iter_fields(is_active=True))
        return next((f for f in fields if f.name.casefold() == wanted), None) or next(
            (f for f in fields if (f.id or "").casefold() == wanted), None
        )

    def set_required(
        self, field_ramp_id: str, required: tuple[str, ...], user_id: str, channel_id: str
    ) -> RequiredChanged:
        """PATCH the field's `is_required_for` (safe to repeat), then read it back."""
        refused = ""
        try:
            self._ramp.update_field(field_ramp_id, is_required_for=list(required))
        except DirectConnectionRefused:
            raise  # explained as such by the error handler
        except InvalidInput as error:  # what the spec leads us to expect: see the module docstring
            refused = error.user_text()
        field = self._ramp.get_field(field_ramp_id)
        changed = RequiredChanged(field, required, refused)
        held = labels(list(field.is_required_for))
        outcome = "ok" if changed.applied else "failed"
        if refused:
            held += f"; Ramp refused: {refused}"
        self._record(
            user_id, channel_id, field.name, outcome, f"required for {labels(required)}; Ramp holds {held}"
        )
        return changed

    def set_display_name(
        self, field_ramp_id: str, display_name: str, user_id: str, channel_id: str
    ) -> DisplayNameChanged:
        """PATCH the field's `display_name` (in the spec's PATCH body; safe to repeat), then read it back."""
        shown = " ".join(display_name.split())
        if not shown or len(shown) > MAX_DISPLAY_NAME:
            raise UserError(
                f"A display name needs 1 to {MAX_DISPLAY_NAME} characters.",
                'For example `/ramp field Department display "Cost centre"`.',
            )
        self._ramp.update_field(field_ramp_id, display_name=shown)
        field = self._ramp.get_field(field_ramp_id)
        changed = DisplayNameChanged(field, shown)
        held = field.display_name or "none"
        outcome = "ok" if changed.applied else "failed"
        self._record(user_id, channel_id, field.name, outcome, f"display name {shown!r}; Ramp holds {held!r}")
        return changed

    def _record(self, user_id: str, channel_id: str, field: str, outcome: str, detail: str) -> None:
        self._audit.record(
            user_id=user_id,
            channel_id=channel_id,
            command="field",
            arguments=field,
            outcome=outcome,
            detail=detail,
        )
