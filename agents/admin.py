from django.contrib import admin

from agents.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "published", "updated_at"]
    search_fields = ["title", "body"]
