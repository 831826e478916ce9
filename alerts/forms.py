"""Portal forms: they validate input; the services decide what is allowed."""

from __future__ import annotations

from django import forms

BANDS = [("", "Any band"), ("critical", "Critical"), ("high", "High"),
         ("elevated", "Elevated"), ("low", "Low")]


class QueueFilterForm(forms.Form):
    band = forms.ChoiceField(choices=BANDS, required=False, label="Risk band")
    flag = forms.ChoiceField(choices=[("", "Any flag")], required=False, label="Flag type")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    mine = forms.BooleanField(required=False, label="Assigned to me")

    def __init__(self, *args, flag_choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flag"].choices = [("", "Any flag"), *(flag_choices or [])]

    def filters(self) -> dict:
        """The filters dict that alerts.selectors.queue_for_user takes."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {k: v for k, v in {"band": data.get("band"), "flag": data.get("flag"),
                                  "overdue": data.get("overdue"),
                                  "mine": data.get("mine")}.items() if v}


ACTION_CHOICES = [
    ("contacted", "Contacted the household"),
    ("intervention_offered", "Offered an intervention"),
    ("referred", "Referred to a partner"),
    ("accepted", "Household accepted help"),
    ("declined", "Household declined help"),
    ("unreachable", "Could not reach the household"),
    ("dismissed", "Dismiss: no action needed"),
    ("released", "Release back to the office queue"),
]


class WorkItemActionForm(forms.Form):
    action = forms.ChoiceField(choices=ACTION_CHOICES, label="What happened")
    intervention_code = forms.CharField(required=False, label="Intervention")
    note = forms.CharField(required=False, widget=forms.Textarea, max_length=4000, label="Note")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") in ("intervention_offered", "referred") \
                and not data.get("intervention_code"):
            self.add_error("intervention_code", "Choose the intervention you offered.")
        if data.get("action") == "dismissed" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why no action is needed; a supervisor may review it.")
        return data


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=4000, label="Note",
                           error_messages={"required": "Write the note first."})


class OutreachForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=480, label="Message",
                           error_messages={"required": "Write the message first."})


class ReferralForm(forms.Form):
    intervention_code = forms.CharField(label="Intervention")


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label="Caseworker")


class AuditSearchForm(forms.Form):
    ref = forms.CharField(max_length=32, label="Household reference", required=False)
