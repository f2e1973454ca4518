"""Demo data for `make run`: a small online store's support team and its customers.

Everything goes through the services, so the demo exercises the same paths as real traffic;
timestamps are then moved into the past so waiting times and history look lived-in.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agents.models import Article
from inbox.models import AgentProfile, CannedReply, Channel, Conversation, Message, Team
from inbox.services import (
    conversation_assign,
    conversation_set_status,
    message_append_outbound,
    message_receive,
    note_add,
)

User = get_user_model()

ADMIN = ("admin", "Avery Admin", "inbox-admin")
AGENTS = [
    ("ana", "Ana Souza", "Support"),
    ("ben", "Ben Okafor", "Support"),
    ("chloe", "Chloe Martin", "Billing"),
    ("dev", "Dev Patel", "Billing"),
]
AGENT_PASSWORD = "inbox-agent"  # noqa: S105 - printed demo login
DEMO_LEAD = "chloe"  # a team lead (Billing)

FIRST = ["Maya", "Liam", "Sofia", "Noah", "Emma", "Lucas", "Olivia", "Mateo", "Amara", "Kenji",
         "Priya", "Jonas", "Fatima", "Diego", "Hannah", "Yusuf", "Chen", "Isla", "Tomas", "Zara"]  # fmt: skip
LAST = ["Lopez", "Nguyen", "Schmidt", "Rossi", "Kowalski", "Haddad", "Silva", "Tanaka", "Brown", "Dubois",
        "Ivanova", "Mensah", "Larsen", "Costa", "Novak", "Ali", "Wang", "Murphy", "Garcia", "Khan"]  # fmt: skip

TOPICS = [
    ("Where is my order #{n}? It was due yesterday.", "Order #{n} left our warehouse and is with the courier; "
     "tracking shows delivery tomorrow before noon."),
    ("I'd like to return the hiking boots from order #{n}, they're too small.", "No problem: you have 30 days "
     "to return unworn items. I've emailed you a prepaid return label."),
    ("I was charged twice for order #{n}!", "I'm sorry about that. I can see the duplicate authorisation; it "
     "drops off within 3-5 business days. I've flagged it with Billing."),
    ("Do you ship to Canada?", "Yes! We ship to Canada in 5-8 business days; duties are included at checkout."),
    ("Can I change the delivery address for order #{n}?", "Done, the courier has the new address."),
    ("My discount code SPRING20 doesn't work", "That code expired on Sunday, but I've applied 20% to your "
     "cart as a one-off."),
    ("Is the Trail Pro jacket waterproof or just water resistant?", "It's fully waterproof (20k mm) with "
     "taped seams, good for heavy rain."),
    ("How do I reset my account password?", "Use 'Forgot password' on the login page; the link is valid for "
     "an hour."),
    ("The zipper on my backpack broke after two weeks.", "That's covered by our 2-year warranty. Could you "
     "send a photo of the zipper?"),
    ("I want to cancel my subscription box.", "I've cancelled it; you won't be charged again."),
]  # fmt: skip

# (language, title, body, title of the original it translates or "")
ARTICLES = [
    ("en", "Shipping times and destinations", "We ship from our warehouse in Denver, Colorado, to the US, Canada, "
     "the UK and the EU. How long delivery takes, and what it costs:\n\n"
     "- **US:** 2-4 business days; free on orders over $75, otherwise $6.95\n"
     "- **Canada:** 5-8 business days, $12.95; duties and taxes are included at checkout\n"
     "- **UK and EU:** 4-7 business days, $14.95; duties and taxes are included at checkout\n"
     "- **Express (US only):** next business day for $19.95 when ordered before 12 pm Mountain Time\n\n"
     "Orders placed before 2 pm Mountain Time on a business day leave the warehouse the same day; later "
     "orders ship the next business day. We do not ship on weekends or US public holidays.\n\n"
     "We cannot ship to PO boxes or to countries outside this list.", ""),
    ("en", "Returns and exchanges", "Unworn, unwashed items with their tags on can be returned within "
     "**30 days** of delivery.\n\n"
     "1. Write to us with your order number and the items you are sending back.\n"
     "2. We email you a prepaid return label: free in the US, $7.50 from Canada, the UK and the EU "
     "(taken off the refund).\n"
     "3. Drop the parcel at any carrier point within 14 days of receiving the label.\n\n"
     "Refunds go back to the original payment method within 5 business days of the return arriving at our "
     "warehouse. An exchange for another size or colour ships free as soon as the carrier scans your return.\n\n"
     "Used gear, opened food and items marked \"final sale\" cannot be returned. Faulty items are covered by "
     "the warranty instead.", ""),
    ("en", "Cancelling or pausing a subscription", "The monthly subscription box is charged on the 1st and "
     "ships on the 5th of every month.\n\n"
     "- **Pause:** go to Account > Subscription > Pause and choose 1, 2 or 3 months. Nothing is charged or "
     "shipped while it is paused, and it restarts by itself.\n"
     "- **Skip one box:** click \"Skip next box\" before the 1st.\n"
     "- **Cancel:** go to Account > Subscription > Cancel subscription. Cancel before the 1st and you are not "
     "charged again; a box that was already charged still ships.\n\n"
     "There is no cancellation fee and no minimum term. Unused months of a yearly plan are refunded pro rata "
     "within 5 business days. You can restart a cancelled subscription at any time.", ""),
    ("en", "Opening hours and how to reach us", "You can reach our support team by chat, WhatsApp, phone or email:\n\n"
     "- **Live chat and WhatsApp:** Monday to Friday 8 am to 8 pm, Saturday 10 am to 4 pm (US Eastern Time)\n"
     "- **Phone:** call us on +1 800 555 0134, Monday to Friday 9 am to 5 pm Eastern Time\n"
     "- **Email:** help@example.com, answered within one business day\n\n"
     "Billing questions are handled by our Billing team, Monday to Friday 9 am to 5 pm Central European "
     "Time.\n\n"
     "Outside these hours our AI assistant answers routine questions in the chat and passes everything else "
     "to a person on the next working day. We are closed on Sundays, on December 25 and on January 1.", ""),
    ("en", "Tracking your order", "When your order leaves the warehouse we email you a tracking number and a "
     "link to the carrier: UPS in the US, Canada Post in Canada and DHL for the UK and the EU. To see where "
     "your parcel is right now, open that link or go to Account > Orders > Track.\n\n"
     "The first scan can take up to 24 hours to show. An order sent in several parcels gets one tracking "
     "number per parcel.\n\n"
     "If the tracking shows no movement for 5 business days, or says \"delivered\" but you have no parcel, "
     "write to us with your order number. We open a claim with the carrier and send a replacement or a "
     "refund within 3 business days.", ""),
    ("en", "Resetting your password", "1. On the login page, click **Forgot password**.\n"
     "2. Enter the email address of your account.\n"
     "3. Open the link in the email we send you. It is valid for **1 hour** and works once.\n"
     "4. Choose a new password of at least 10 characters.\n\n"
     "If the email has not arrived after 10 minutes, check your spam folder, then ask us to send it again. "
     "After 5 wrong passwords in a row the account is locked for 15 minutes. A new password signs you out "
     "on every device.\n\n"
     "If you can no longer use the email address of your account, our support team checks your identity "
     "with your last order number and changes the address for you.", ""),
    ("en", "Pricing plans", "The monthly subscription box comes in three plans:\n\n"
     "- **Basic, $19 a month:** 3 to 4 hand-picked items (trail snacks, small accessories) and free US "
     "shipping.\n"
     "- **Plus, $39 a month:** 5 to 6 items including one piece of clothing or gear worth at least $40, free "
     "shipping to every destination and 10% off in the shop.\n"
     "- **Business, $149 a month:** for clubs, guides and teams: 5 boxes to one address, invoices with your "
     "company details and VAT number, a dedicated account manager and 15% off bulk orders.\n\n"
     "Paying yearly costs 10 months instead of 12. Change plans under Account > Subscription > Change plan: "
     "an upgrade applies to the next box, a downgrade from the next billing date. Prices include VAT in the "
     "UK and the EU; US sales tax is added at checkout.", ""),
    ("en", "Data privacy and your personal data", "We only keep what we need to ship and support your orders: "
     "name, addresses, email, phone number and order history. Card details are handled by our payment "
     "provider and never stored by us. We never sell your data.\n\n"
     "- **Get a copy:** Account > Privacy > Download my data sends you a file within 48 hours.\n"
     "- **Delete your account:** Account > Privacy > Delete account. We erase your personal data within "
     "30 days; invoices are kept for 10 years because tax law requires it.\n"
     "- **Marketing emails:** unsubscribe with the link in any email or under Account > Notifications.\n\n"
     "Chat and email conversations are kept for 2 years, then deleted. For any other request under the "
     "GDPR or the CCPA, write to privacy@example.com; we answer within 30 days.", ""),
    ("en", "Warranty", "Bags, backpacks, boots, jackets and tents carry a **2-year warranty** from the delivery "
     "date against manufacturing defects: broken zippers, seams coming apart, soles coming loose, faulty "
     "buckles.\n\n"
     "To make a claim, send us your order number and a photo of the defect. We answer within 2 business days "
     "and repair the item, send a replacement, or refund it if it is no longer made. Shipping for warranty "
     "claims is free both ways.\n\n"
     "The warranty does not cover normal wear and tear, accidents or misuse. Items bought from another "
     "retailer are covered by that retailer.", ""),
    ("en", "Duplicate charges", "Two charges for one order are usually one charge and one card "
     "**authorisation**: your bank holds the amount while the payment is checked, and the hold drops off by "
     "itself within **3-5 business days**.\n\n"
     "- A pending charge that disappears: there is nothing to do.\n"
     "- Two completed charges for the same order, or a hold still there after 5 business days: write to "
     "Billing with your order number and the last 4 digits of the card. We refund the extra charge within "
     "2 business days.\n"
     "- A charge for a subscription box you cancelled before the 1st is refunded in full.\n\n"
     "Please talk to us before you dispute the payment with your bank: a chargeback freezes the payment and "
     "the refund can then take up to 60 days.", ""),
    ("en", "Changing or cancelling an order", "You can change or cancel an order until it is packed, usually "
     "within **2 hours** of ordering.\n\n"
     "- **Change the address, size or colour:** Account > Orders > Edit order, or write to us with your order "
     "number.\n"
     "- **Cancel:** Account > Orders > Cancel order. The full amount is refunded within 3-5 business days.\n\n"
     "Once the order shows \"Packed\" or \"Shipped\" it can no longer be changed. You can then refuse the "
     "delivery or send it back for free within 30 days. In the US we can ask the carrier to redirect a parcel "
     "to a new address for $5; abroad this is not possible.\n\n"
     "Discount codes cannot be added to an order after it was placed.", ""),
    # Translations: a Spanish or German customer is answered from the text in their language.
    ("es", "Plazos y destinos de envío", "Enviamos desde nuestro almacén de Denver (Colorado) a EE. UU., "
     "Canadá, el Reino Unido y la UE. Lo que tarda y cuesta la entrega:\n\n"
     "- **EE. UU.:** 2-4 días hábiles; gratis en pedidos de más de 75 $, si no 6,95 $\n"
     "- **Canadá:** 5-8 días hábiles, 12,95 $; aranceles e impuestos incluidos al pagar\n"
     "- **Reino Unido y UE:** 4-7 días hábiles, 14,95 $; aranceles e impuestos incluidos al pagar\n"
     "- **Exprés (solo EE. UU.):** al día hábil siguiente por 19,95 $ si pides antes de las 12:00 (hora de "
     "la montaña)\n\n"
     "Los pedidos hechos antes de las 14:00 (hora de la montaña) en un día hábil salen del almacén el mismo "
     "día; los posteriores, al día hábil siguiente. No enviamos en fines de semana ni en festivos de EE. UU.\n\n"
     "No enviamos a apartados postales ni a países fuera de esta lista.", "Shipping times and destinations"),
    ("de", "Versandzeiten und Lieferländer", "Wir versenden aus unserem Lager in Denver (Colorado) in die USA, "
     "nach Kanada, Großbritannien und in die EU. So lange dauert die Lieferung, und das kostet sie:\n\n"
     "- **USA:** 2-4 Werktage; ab 75 $ kostenlos, sonst 6,95 $\n"
     "- **Kanada:** 5-8 Werktage, 12,95 $; Zölle und Steuern sind im Preis enthalten\n"
     "- **Großbritannien und EU:** 4-7 Werktage, 14,95 $; Zölle und Steuern sind im Preis enthalten\n"
     "- **Express (nur USA):** am nächsten Werktag für 19,95 $ bei Bestellung vor 12 Uhr (Mountain Time)\n\n"
     "Bestellungen, die an einem Werktag vor 14 Uhr (Mountain Time) eingehen, verlassen das Lager am selben "
     "Tag; spätere am nächsten Werktag. An Wochenenden und US-Feiertagen versenden wir nicht.\n\n"
     "An Postfächer und in Länder außerhalb dieser Liste können wir nicht liefern.",
     "Shipping times and destinations"),
    ("es", "Devoluciones y cambios", "Puedes devolver los artículos sin usar, sin lavar y con sus etiquetas en "
     "un plazo de **30 días** desde la entrega.\n\n"
     "1. Escríbenos con tu número de pedido y los artículos que devuelves.\n"
     "2. Te enviamos por email una etiqueta de devolución prepagada: gratis en EE. UU., 7,50 $ desde Canadá, "
     "el Reino Unido y la UE (se descuentan del reembolso).\n"
     "3. Deja el paquete en cualquier punto del transportista en los 14 días siguientes a recibir la "
     "etiqueta.\n\n"
     "El reembolso llega al método de pago original en 5 días hábiles desde que la devolución llega a "
     "nuestro almacén. Un cambio por otra talla u otro color se envía gratis en cuanto el transportista "
     "escanea tu devolución.\n\n"
     "El material usado, la comida abierta y los artículos de \"venta final\" no se pueden devolver. Los "
     "artículos defectuosos los cubre la garantía.", "Returns and exchanges"),
    ("de", "Rückgabe und Umtausch", "Ungetragene, ungewaschene Artikel mit Etikett kannst du innerhalb von "
     "**30 Tagen** nach der Lieferung zurückgeben.\n\n"
     "1. Schreib uns deine Bestellnummer und welche Artikel du zurückschickst.\n"
     "2. Wir mailen dir ein frankiertes Rücksendeetikett: in den USA kostenlos, aus Kanada, Großbritannien und "
     "der EU für 7,50 $ (wird von der Erstattung abgezogen).\n"
     "3. Gib das Paket innerhalb von 14 Tagen nach Erhalt des Etiketts bei einer Annahmestelle des "
     "Versanddienstes ab.\n\n"
     "Die Erstattung geht innerhalb von 5 Werktagen, nachdem die Rücksendung in unserem Lager angekommen ist, "
     "auf das ursprüngliche Zahlungsmittel zurück. Ein Umtausch in eine andere Größe oder Farbe wird kostenlos "
     "verschickt, sobald der Versanddienst deine Rücksendung scannt.\n\n"
     "Benutzte Ausrüstung, geöffnete Lebensmittel und als \"Final Sale\" markierte Artikel sind vom Umtausch "
     "ausgeschlossen. Für defekte Artikel gilt die Garantie.", "Returns and exchanges"),
    ("es", "Cancelar o pausar una suscripción", "La caja de suscripción mensual se cobra el día 1 y se envía "
     "el día 5 de cada mes.\n\n"
     "- **Pausar:** ve a Cuenta > Suscripción > Pausar y elige 1, 2 o 3 meses. Mientras está en pausa no se "
     "cobra ni se envía nada, y se reanuda sola.\n"
     "- **Saltar una caja:** pulsa \"Saltar la próxima caja\" antes del día 1.\n"
     "- **Cancelar:** ve a Cuenta > Suscripción > Cancelar suscripción. Si cancelas antes del día 1 no se te "
     "vuelve a cobrar; una caja ya cobrada se envía igualmente.\n\n"
     "No hay penalización por cancelar ni permanencia mínima. Los meses no usados de un plan anual se "
     "reembolsan de forma proporcional en 5 días hábiles. Puedes reactivar una suscripción cancelada cuando "
     "quieras.", "Cancelling or pausing a subscription"),
    ("de", "Abo kündigen oder pausieren", "Die monatliche Abo-Box wird am 1. abgebucht und am 5. jedes Monats "
     "verschickt.\n\n"
     "- **Pausieren:** Konto > Abo > Pausieren, dann 1, 2 oder 3 Monate wählen. Während der Pause wird nichts "
     "abgebucht oder verschickt, danach läuft das Abo von selbst weiter.\n"
     "- **Eine Box auslassen:** vor dem 1. auf \"Nächste Box überspringen\" klicken.\n"
     "- **Kündigen:** Konto > Abo > Abo kündigen. Kündigst du vor dem 1., wird nichts mehr abgebucht; eine "
     "bereits bezahlte Box wird noch verschickt.\n\n"
     "Es gibt keine Kündigungsgebühr und keine Mindestlaufzeit. Nicht genutzte Monate eines Jahresabos werden "
     "innerhalb von 5 Werktagen anteilig erstattet. Ein gekündigtes Abo kannst du jederzeit wieder "
     "aufnehmen.", "Cancelling or pausing a subscription"),
]  # fmt: skip


CANNED_REPLIES = [
    ("Greeting", "Hi {{customer.first_name}}, thanks for reaching out! {{agent.name}} here, happy to help."),
    ("Looking into it", "Thanks {{customer.first_name}}, I'm checking this with our team and will get back to you "
     "within the hour."),
    ("Closing", "Glad that's sorted, {{customer.first_name}}! Reply here any time. - {{agent.name}}"),
]  # fmt: skip


def demo_exists() -> bool:
    return User.objects.filter(username=ADMIN[0]).exists()


@transaction.atomic
def demo_load(*, seed: int = 7, customers: int = 20, conversations: int = 60) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()

    admin = User.objects.create_superuser(ADMIN[0], "admin@example.com", ADMIN[2], first_name="Avery")
    AgentProfile.objects.create(user=admin, role=AgentProfile.Role.ADMIN, presence=AgentProfile.Presence.ONLINE)
    teams = {name: Team.objects.create(name=name) for name in ("Support", "Billing")}
    agents = []
    agent_team: dict[int, Team] = {}
    for username, full, team in AGENTS:
        first, last = full.split()
        user = User.objects.create_user(username, f"{username}@example.com", AGENT_PASSWORD, first_name=first,
                                        last_name=last)  # fmt: skip
        profile = AgentProfile.objects.create(user=user, presence=rng.choice(["online", "online", "away"]))
        profile.teams.add(teams[team])
        agents.append(user)
        agent_team[user.pk] = teams[team]
    # Chloe leads Billing: /team/ shows her the team queue (roles, inbox/access.py).
    AgentProfile.objects.filter(user__username=DEMO_LEAD).update(role=AgentProfile.Role.LEAD)

    by_title: dict[str, Article] = {}
    for language, title, body, original in ARTICLES:  # originals come before their translations
        by_title[title] = Article.objects.create(
            title=title, body=body, language=language, translation_of=by_title.get(original)
        )
    for title, body in CANNED_REPLIES:
        CannedReply.objects.create(title=title, body=body)

    people = []
    for i in range(customers):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        phone = f"+1415555{1000 + i:04d}"
        email = f"{name.split()[0].lower()}.{name.split()[1].lower()}@example.com"
        # Everyone has a home channel; some also use a second one, on the same record.
        home = [Channel.WHATSAPP, Channel.SMS, Channel.EMAIL, Channel.CHAT][i % 4]
        extra = [Channel.EMAIL, Channel.WHATSAPP, Channel.SMS, Channel.EMAIL][i % 4] if i % 3 == 0 else None
        people.append({"name": name, "phone": phone, "email": email, "chat": f"visitor-demo-{i}",
                       "channels": [home] + ([extra] if extra else [])})  # fmt: skip

    address_of = {Channel.WHATSAPP: "phone", Channel.SMS: "phone", Channel.EMAIL: "email", Channel.CHAT: "chat"}
    for n in range(conversations):
        person = people[n % customers]
        question, answer = TOPICS[rng.randrange(len(TOPICS))]
        order = 10400 + n
        started = now - timedelta(minutes=rng.randint(5, 60 * 24 * 20))
        channel = rng.choice(person["channels"])
        timeline = []
        received = message_receive(
            channel=channel,
            address=person[address_of[channel]],
            name=person["name"],
            text=question.format(n=order),
            subject=question.format(n=order)[:60] if channel == Channel.EMAIL else "",
            external_id=f"demo-{n}-in",
        )
        conversation = received.message.conversation
        timeline.append((received.message, started))
        fate = rng.random()
        if fate < 0.25:  # still waiting for a first answer
            pass
        else:
            agent = rng.choice(agents)
            # In the agent's team, so team queues (/team/) and team KPIs show the demo's work.
            conversation_assign(conversation=conversation, owner=Conversation.Owner.HUMAN, assignee=agent,
                                team=agent_team[agent.pk], actor=admin, reason="by the demo loader")  # fmt: skip
            reply = message_append_outbound(conversation=conversation, channel=channel,
                                            text=answer.format(n=order), author=agent)  # fmt: skip
            reply.delivery_status = rng.choice([Message.Delivery.DELIVERED, Message.Delivery.READ])
            reply.save(update_fields=["delivery_status"])
            timeline.append((reply, started + timedelta(minutes=rng.randint(1, 90))))
            if rng.random() < 0.3:
                follow_channel = rng.choice(person["channels"])
                follow = message_receive(channel=follow_channel, address=person[address_of[follow_channel]],
                                         text="Thanks! One more thing: can I also get an invoice?",
                                         conversation_id=conversation.pk, external_id=f"demo-{n}-in2")  # fmt: skip
                timeline.append((follow.message, started + timedelta(hours=3)))
                note_add(conversation=conversation, author=agent, text="Invoice requested; Billing can send it.")
            elif fate < 0.7:
                conversation_set_status(conversation=conversation, status=Conversation.Status.RESOLVED, actor=agent)
        _backdate(conversation, timeline, now)
    demo_routing_load(teams=teams, admin=admin)
    return {"customers": customers, "conversations": conversations, "agents": len(agents)}


def _backdate(conversation: Conversation, timeline: list[tuple[Message, object]], now) -> None:
    """Move a conversation built 'now' to when it happened, keeping its facts consistent."""
    for message, at in timeline:
        Message.objects.filter(pk=message.pk).update(created_at=min(at, now))
    start = timeline[0][1]
    last = min(timeline[-1][1], now)
    conversation.refresh_from_db()
    Message.objects.filter(conversation=conversation, direction__in=["note", "event"]).update(created_at=last)
    updates = {"created_at": start, "last_message_at": last}
    last_inbound = max((at for m, at in timeline if m.direction == Message.Direction.INBOUND), default=None)
    if last_inbound:
        updates["last_inbound_at"] = min(last_inbound, now)
        if conversation.whatsapp_last_inbound_at:
            updates["whatsapp_last_inbound_at"] = min(last_inbound, now)
    if conversation.waiting_since:
        updates["waiting_since"] = min(last_inbound or start, now)
    if conversation.first_response_at and len(timeline) > 1:
        updates["first_response_at"] = min(timeline[1][1], now)
    if conversation.resolved_at:
        updates["resolved_at"] = last
    Conversation.objects.filter(pk=conversation.pk).update(**updates)


def demo_routing_load(*, teams: dict[str, Team], admin) -> None:
    """Hours for both teams, two SLA policies, a few VIPs and rules that use all of it."""
    from datetime import date

    from inbox.hours import business_hours_set
    from inbox.models import Customer
    from inbox.models_routing import SlaPolicy
    from inbox.rules.admin import rule_create, rule_default_ensure, rule_update

    weekdays = {str(d): [["08:00", "20:00"]] for d in range(5)}
    business_hours_set(
        team=teams["Support"],
        timezone="America/New_York",
        weekly={**weekdays, "5": [["10:00", "16:00"]]},
        holidays=[date(2026, 12, 25), date(2027, 1, 1)],
    )
    business_hours_set(
        team=teams["Billing"],
        timezone="Europe/Berlin",
        weekly={str(d): [["09:00", "17:00"]] for d in range(5)},
        holidays=[date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)],
    )
    standard = SlaPolicy.objects.create(
        name="Standard",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=24 * 60,
        business_hours_only=True,
    )
    vip = SlaPolicy.objects.create(
        name="VIP",
        first_response_minutes=15,
        next_response_minutes=30,
        warn_before_minutes=5,
        breach_action=SlaPolicy.BreachAction.RAISE_PRIORITY,
    )
    for customer in Customer.objects.order_by("pk")[:3]:
        customer.tags = [*customer.tags, "vip"]
        customer.attributes = {**customer.attributes, "plan": "enterprise"}
        customer.save(update_fields=["tags", "attributes", "updated_at"])

    support, billing = teams["Support"].pk, teams["Billing"].pk
    rules = [
        (
            "VIP customers",
            "any",
            [
                {"field": "customer_tag", "value": ["vip"]},
                {"field": "customer_attribute", "key": "plan", "value": "enterprise"},
            ],
            {"owner": "team", "team_id": support, "priority": 2, "sla_policy_id": vip.pk, "tags": ["vip"]},
        ),
        (
            "Billing disputes",
            "all",
            [
                {"field": "human_reason", "value": ["sensitive", "negative", "sensitive_topic"]},
                {"field": "intent", "value": ["billing", "returns"]},
            ],
            {"owner": "team", "team_id": billing, "priority": 2, "sla_policy_id": standard.pk, "tags": ["billing"]},
        ),
        (
            "Upset customers",
            "all",
            [{"field": "sentiment", "value": ["negative"], "min_confidence": 0.7}],
            {"priority": 2, "tags": ["upset"], "stop": False},
        ),
        (
            "A person should own it",
            "all",
            [{"field": "human_reason", "value": ["any"]}],
            {"owner": "team", "team_id": support, "sla_policy_id": standard.pk},
        ),
        (
            "Order status questions",
            "any",
            [{"field": "intent", "value": ["order_status"], "min_confidence": 0.6}],
            {"owner": "ai", "procedure": "order-status"},
        ),
    ]
    for name, match, conditions, actions in rules:
        rule_create(actor=admin, name=name, match=match, conditions=conditions, actions={"stop": True, **actions})
    default = rule_default_ensure()
    rule_update(
        rule=default,
        actor=admin,
        name=default.name,
        match="all",
        conditions=[],
        # Routine questions go to the AI agent; the rules above take what a person should own.
        actions={"owner": "ai"},
    )
