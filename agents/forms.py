from django import forms

from agents.models import Article, Intent, Procedure, SensitiveTopic


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "body", "published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}


class ProcedureForm(forms.ModelForm):
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain English, e.g. “Refund requests: ask for the order number, then hand off to Billing.”",
    )

    class Meta:
        model = Procedure
        fields = ["name", "is_global", "intent", "active"]


class IntentForm(forms.ModelForm):
    class Meta:
        model = Intent
        fields = ["name", "description"]


class SensitiveTopicForm(forms.ModelForm):
    class Meta:
        model = SensitiveTopic
        fields = ["phrase"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImportForm(forms.Form):
    files = forms.FileField(
        widget=MultipleFileInput(attrs={"multiple": True, "webkitdirectory": True}),
        help_text="A folder of .md or .html files (re-importing a file name updates its article).",
    )
