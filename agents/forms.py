from django import forms

from agents.models import Article, Intent, Procedure, SensitiveTopic


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "language", "translation_of", "body", "published"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only originals can be translated (one level: retrieval groups a translation with its original).
        originals = Article.objects.filter(translation_of__isnull=True)
        if self.instance.pk:
            originals = originals.exclude(pk=self.instance.pk)
        self.fields["translation_of"].queryset = originals.order_by("title")
        self.fields["translation_of"].label = "Translation of"
        self.fields["language"].required = False  # a form (or an API client) that leaves it out means English

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or Article.Language.EN

    def clean(self):
        data = super().clean()
        original = data.get("translation_of")
        if original is None:
            return data
        if self.instance.pk and self.instance.translations.exists():
            self.add_error("translation_of", "This article has translations of its own, so it stays an original.")
        elif original.language == data.get("language"):
            self.add_error("language", f"“{original.title}” is already in this language.")
        elif original.translations.filter(language=data.get("language")).exclude(pk=self.instance.pk).exists():
            self.add_error("language", f"“{original.title}” already has a translation in this language.")
        return data


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
