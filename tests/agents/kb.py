"""A small fixed knowledge base and questions whose right article is known (retrieval quality)."""

from agents.knowledge import article_index
from agents.models import Article

ARTICLES = {
    "Resetting your password": (
        "# Resetting your password\n\nOpen the login page and click 'Forgot password'. We email a reset link that "
        "is valid for 30 minutes. If the email does not arrive, check your spam folder."
    ),
    "Refund policy": (
        "# Refund policy\n\nYou can return any item within 30 days of delivery for a full refund. Refunds go back "
        "to the original payment method within 5 business days after we receive the parcel."
    ),
    "Shipping times": (
        "# Shipping times\n\nStandard shipping takes 3 to 5 business days. Express shipping arrives the next "
        "business day when ordered before 2 pm. You get a tracking number by email when the parcel leaves."
    ),
    "Changing your delivery address": (
        "# Changing your delivery address\n\nYou can change the delivery address until the order is packed. Go to "
        "Orders, choose the order and click 'Edit address'."
    ),
    "Payment methods": (
        "# Payment methods\n\nWe accept Visa, Mastercard, American Express, PayPal and bank transfer. Invoices are "
        "available under Account > Billing."
    ),
    "Cancelling a subscription": (
        "# Cancelling a subscription\n\nCancel any time under Account > Subscription > Cancel. You keep access "
        "until the end of the paid period; no partial refunds for unused days."
    ),
    "Two-factor authentication": (
        "# Two-factor authentication\n\nTurn on two-factor authentication (2FA) under Account > Security. Use an "
        "authenticator app; backup codes let you in if you lose your phone."
    ),
    "Damaged items": (
        "# Damaged items\n\nIf your item arrived broken or damaged, send us a photo within 7 days and we ship a "
        "replacement free of charge."
    ),
}

QUESTIONS = {
    "I forgot my password and can't log in": "Resetting your password",
    "How long do I have to send something back and get my money?": "Refund policy",
    "When will my parcel arrive?": "Shipping times",
    "I moved, can I send the order to my new address?": "Changing your delivery address",
    "Can I pay with PayPal?": "Payment methods",
    "How do I stop my monthly plan?": "Cancelling a subscription",
    "How do I set up 2FA?": "Two-factor authentication",
    "The mug I received is cracked": "Damaged items",
}


def kb_load() -> dict[str, Article]:
    articles = {}
    for title, body in ARTICLES.items():
        article = Article.objects.create(title=title, body=body)
        article_index(article=article)
        articles[title] = article
    return articles
