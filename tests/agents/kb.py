"""Knowledge bases with questions whose right article is known (retrieval quality).

``kb_load``: a small fixed English knowledge base the agent/copilot tests cite from.
``demo_kb_load``: the demo shop's articles (inbox/demo.py, with Spanish and German translations)
and the labelled set the retrieval score is calibrated on: answerable questions in the five
languages with their article, and questions the knowledge base does not answer.
``labelled_kb_load``: other businesses' eight English articles each, with questions in the five
languages (tests/fixtures/ai/kb_<name>.json): what a site with its own articles can expect.
"""

import functools
import json
from pathlib import Path

from agents.knowledge import article_index
from agents.models import Article
from inbox.demo import ARTICLES as DEMO_ARTICLES

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


SHIPPING, RETURNS, SUBSCRIPTION = (
    "Shipping times and destinations",
    "Returns and exchanges",
    "Cancelling or pausing a subscription",
)
HOURS, TRACKING, PASSWORD = "Opening hours and how to reach us", "Tracking your order", "Resetting your password"
PRICING, PRIVACY, WARRANTY = "Pricing plans", "Data privacy and your personal data", "Warranty"
DUPLICATE, ORDER_CHANGE = "Duplicate charges", "Changing or cancelling an order"

# (language, question, title of the English original that answers it)
DEMO_QUESTIONS = [
    ("en", "How long does delivery to Toronto take?", SHIPPING),
    ("en", "Do you deliver to Australia?", SHIPPING),
    ("en", "The jacket doesn't fit, can I send it back for a different size?", RETURNS),
    ("en", "How do I put my subscription box on hold for a couple of months?", SUBSCRIPTION),
    ("en", "What time does your chat close on Saturdays?", HOURS),
    ("en", "Where can I see where my package is right now?", TRACKING),
    ("en", "I can't remember my login password", PASSWORD),
    ("en", "What's the difference between the Plus and the Basic plan?", PRICING),
    ("en", "How do I delete my account and all my data?", PRIVACY),
    ("en", "The sole of my boots came off after 8 months, is that covered?", WARRANTY),
    ("en", "I see two payments on my card for the same order", DUPLICATE),
    ("en", "I ordered the wrong size an hour ago, can I still change it?", ORDER_CHANGE),
    ("es", "¿Cuánto tarda un pedido en llegar a Madrid?", SHIPPING),
    ("es", "¿Cuánto cuesta el envío exprés?", SHIPPING),
    ("es", "Quiero devolver unas botas que me quedan pequeñas", RETURNS),
    ("es", "¿Cómo cancelo mi suscripción mensual?", SUBSCRIPTION),
    ("es", "¿A qué hora abre el chat de atención al cliente?", HOURS),
    ("es", "¿Dónde puedo seguir mi paquete?", TRACKING),
    ("es", "Olvidé mi contraseña y no puedo entrar", PASSWORD),
    ("es", "¿Cuánto cuesta el plan Business al mes?", PRICING),
    ("es", "¿Vendéis mis datos personales a otras empresas?", PRIVACY),
    ("es", "La cremallera de mi mochila se rompió, ¿tiene garantía?", WARRANTY),
    ("es", "Me habéis cobrado dos veces el mismo pedido", DUPLICATE),
    ("es", "¿Puedo cambiar la dirección de entrega de un pedido que acabo de hacer?", ORDER_CHANGE),
    ("de", "Wie lange dauert der Versand nach Deutschland?", SHIPPING),
    ("de", "Liefert ihr auch an ein Postfach?", SHIPPING),
    ("de", "Wie kann ich eine Jacke zurückschicken?", RETURNS),
    ("de", "Kann ich mein Abo für einen Monat pausieren?", SUBSCRIPTION),
    ("de", "Wie erreiche ich euch telefonisch?", HOURS),
    ("de", "Meine Sendungsverfolgung zeigt seit einer Woche nichts Neues", TRACKING),
    ("de", "Ich habe mein Passwort vergessen", PASSWORD),
    ("de", "Was kostet der Plus-Plan im Monat?", PRICING),
    ("de", "Wie bekomme ich eine Kopie meiner gespeicherten Daten?", PRIVACY),
    ("de", "Mein Zelt hat nach einem Jahr eine kaputte Naht, gilt die Garantie?", WARRANTY),
    ("de", "Mir wurde der Betrag doppelt abgebucht", DUPLICATE),
    ("de", "Ich möchte meine Bestellung stornieren, sie ist noch nicht verschickt", ORDER_CHANGE),
    ("fr", "Combien de temps prend la livraison en France ?", SHIPPING),
    ("fr", "Les frais de douane sont-ils inclus pour le Canada ?", SHIPPING),
    ("fr", "Comment retourner un article qui ne me va pas ?", RETURNS),
    ("fr", "Comment résilier mon abonnement à la box ?", SUBSCRIPTION),
    ("fr", "Quels sont vos horaires d'ouverture ?", HOURS),
    ("fr", "Où est mon colis ? Je voudrais le suivre", TRACKING),
    ("fr", "J'ai oublié mon mot de passe", PASSWORD),
    ("fr", "Combien coûte la formule Basic ?", PRICING),
    ("fr", "Comment supprimer mon compte et mes données personnelles ?", PRIVACY),
    ("fr", "La fermeture éclair de ma veste est cassée, est-ce sous garantie ?", WARRANTY),
    ("fr", "J'ai été débité deux fois pour la même commande", DUPLICATE),
    ("fr", "Puis-je modifier ma commande après l'avoir passée ?", ORDER_CHANGE),
    ("pt", "Quanto tempo demora a entrega para Portugal?", SHIPPING),
    ("pt", "Vocês enviam para o Canadá?", SHIPPING),
    ("pt", "Posso trocar um casaco por outro tamanho?", RETURNS),
    ("pt", "Como faço para cancelar a assinatura da caixa mensal?", SUBSCRIPTION),
    ("pt", "Qual é o horário de atendimento de vocês?", HOURS),
    ("pt", "Como rastrear meu pedido?", TRACKING),
    ("pt", "Esqueci minha senha, como faço para redefinir?", PASSWORD),
    ("pt", "Quais são os planos e os preços da assinatura?", PRICING),
    ("pt", "Como vocês usam os meus dados pessoais?", PRIVACY),
    ("pt", "Minha mochila veio com defeito no zíper, tem garantia?", WARRANTY),
    ("pt", "Fui cobrado duas vezes pelo mesmo pedido", DUPLICATE),
    ("pt", "Quero cancelar um pedido que fiz hoje", ORDER_CHANGE),
]

# (language, question) that no demo article answers: the score must stay under the threshold.
DEMO_UNANSWERABLE = [
    ("en", "Do you sell gift cards?"),
    ("en", "Can I visit your shop in person to try on boots?"),
    ("en", "Are you hiring? How do I apply for a job?"),
    ("en", "Can you embroider my club's logo on the jackets?"),
    ("en", "Can I bring my dog to your store?"),
    ("en", "Do you rent out tents for the weekend?"),
    ("es", "¿Tenéis tarjetas regalo?"),
    ("es", "¿Puedo ir a vuestra tienda física a probarme las botas?"),
    ("es", "¿Cómo puedo enviar mi currículum para trabajar con vosotros?"),
    ("es", "¿Podéis bordar un nombre en una chaqueta?"),
    ("es", "¿Tenéis comida para perros?"),
    ("es", "¿Organizáis excursiones guiadas a la montaña?"),
    ("de", "Gibt es bei euch Geschenkgutscheine?"),
    ("de", "Habt ihr ein Ladengeschäft in Berlin?"),
    ("de", "Sucht ihr Mitarbeiter? Wie bewerbe ich mich?"),
    ("de", "Könnt ihr unser Vereinslogo auf die Jacken sticken?"),
    ("de", "Verkauft ihr auch Hundeleinen?"),
    ("de", "Kann ich bei euch Skier ausleihen?"),
    ("fr", "Vendez-vous des cartes cadeaux ?"),
    ("fr", "Avez-vous un magasin à Paris où je peux passer ?"),
    ("fr", "Je voudrais postuler pour un emploi chez vous"),
    ("fr", "Pouvez-vous broder mes initiales sur un sac à dos ?"),
    ("fr", "Avez-vous des manteaux pour chiens ?"),
    ("fr", "Proposez-vous des cours d'escalade ?"),
    ("pt", "Vocês têm cartão-presente?"),
    ("pt", "Posso visitar a loja física de vocês?"),
    ("pt", "Como me candidatar a uma vaga de emprego?"),
    ("pt", "Vocês fazem bordado personalizado nas mochilas?"),
    ("pt", "Posso levar meu cachorro na loja?"),
    ("pt", "Vocês consertam bicicletas?"),
]


# Written after the calibration was fitted and never tuned on: how well it carries to new wording.
DEMO_HELDOUT_QUESTIONS = [
    ("en", "Is shipping free in the US?", SHIPPING),
    ("en", "Can I switch my box to the Business plan?", PRICING),
    ("en", "Do you store my credit card number?", PRIVACY),
    ("en", "My parcel says delivered but it's not here", TRACKING),
    ("en", "Can I skip next month's box?", SUBSCRIPTION),
    ("es", "¿Cuánto cuesta devolver un pedido desde España?", RETURNS),
    ("es", "¿Hasta cuándo puedo cancelar un pedido?", ORDER_CHANGE),
    ("es", "¿Cuál es vuestro número de teléfono?", HOURS),
    ("es", "La suela de mis botas se ha despegado", WARRANTY),
    ("es", "El enlace para cambiar la contraseña no funciona", PASSWORD),
    ("de", "Wann wird die Abo-Box abgebucht?", SUBSCRIPTION),
    ("de", "Ist der Versand nach Österreich kostenlos?", SHIPPING),
    ("de", "Ich sehe zwei Buchungen auf meiner Kreditkarte", DUPLICATE),
    ("de", "Mein Konto ist nach mehreren Fehlversuchen gesperrt", PASSWORD),
    ("de", "Kann ich meine Daten löschen lassen?", PRIVACY),
    ("fr", "Quel est le délai de remboursement après un retour ?", RETURNS),
    ("fr", "Puis-je mettre mon abonnement en pause ?", SUBSCRIPTION),
    ("fr", "Le suivi de mon colis ne bouge plus depuis une semaine", TRACKING),
    ("fr", "Êtes-vous ouverts le samedi ?", HOURS),
    ("fr", "Quelle est la différence entre les formules Plus et Business ?", PRICING),
    ("pt", "Quanto custa o frete expresso?", SHIPPING),
    ("pt", "Posso mudar o endereço de entrega depois de comprar?", ORDER_CHANGE),
    ("pt", "A garantia cobre barracas?", WARRANTY),
    ("pt", "Como baixar uma cópia dos meus dados?", PRIVACY),
    ("pt", "Meu pedido foi cobrado em dobro", DUPLICATE),
]
DEMO_HELDOUT_UNANSWERABLE = [
    ("en", "Do you offer student discounts?"),
    ("en", "Can I pay with Bitcoin?"),
    ("en", "Do you have a loyalty points program?"),
    ("es", "¿Hacéis descuentos para estudiantes?"),
    ("es", "¿Tenéis servicio de reparación de bicicletas?"),
    ("es", "¿Dónde está vuestra tienda en Barcelona?"),
    ("de", "Bietet ihr Kletterkurse an?"),
    ("de", "Kann ich mit Bitcoin bezahlen?"),
    ("de", "Habt ihr ein Treueprogramm mit Punkten?"),
    ("fr", "Faites-vous des réductions pour les étudiants ?"),
    ("fr", "Puis-je payer en bitcoins ?"),
    ("fr", "Organisez-vous des randonnées guidées ?"),
    ("pt", "Vocês têm desconto para estudantes?"),
    ("pt", "Posso pagar com bitcoin?"),
    ("pt", "Vocês têm programa de fidelidade?"),
]


def demo_kb_load() -> dict[str, Article]:
    """The demo articles and their translations, indexed; by title."""
    articles: dict[str, Article] = {}
    for language, title, body, original in DEMO_ARTICLES:
        article = Article.objects.create(
            title=title, body=body, language=language, translation_of=articles.get(original)
        )
        article_index(article=article)
        articles[title] = article
    return articles


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ai"
# Other businesses' articles and questions, each written by someone who saw neither the method nor
# the sets above. "unseen" (a coffee subscription) was measured while the retrieval changed; "third"
# (a pet-food subscription) was kept for a last check and never looked into while tuning.
OTHER_BUSINESSES = ("unseen", "third")


@functools.cache
def labelled_set(name: str) -> dict:
    """tests/fixtures/ai/kb_<name>.json: articles (title, body); questions: (language, question, title);
    unanswerable: (language, question); faq: (language, question, title, fact) where fact is a list of
    sets, each holding the values one number may take."""
    data = json.loads((FIXTURES / f"kb_{name}.json").read_text(encoding="utf-8"))
    titles = [article["title"] for article in data["articles"]]
    questions = [(q["language"], q["question"], titles[q["article"]]) for q in data["answerable"]]
    return {
        "articles": [(a["title"], a["body"]) for a in data["articles"]],
        "questions": questions,
        "unanswerable": [(q["language"], q["question"]) for q in data["unanswerable"]],
        "faq": [(*questions[f["answerable"]], [set(values) for values in f["fact"]]) for f in data["faq"]],
    }


def labelled_kb_load(name: str) -> dict[str, Article]:
    """The set's English articles, indexed; by title."""
    articles = {}
    for title, body in labelled_set(name)["articles"]:
        articles[title] = Article.objects.create(title=title, body=body, language="en")
        article_index(article=articles[title])
    return articles
