from django.conf import settings

from config.celery import app


def test_replies_have_their_own_queue_that_workers_take_from_first():
    """On a first `make run` the demo's AI backlog (seconds a task) held agents' replies in "Sending"
    for minutes; measured by hand in `make run`: with this routing the reply reached the widget
    within seconds while the backlog ran."""
    route = app.amqp.router.route
    assert route({}, "channels_app.delivery.message_deliver")["queue"].name == "replies"
    assert route({}, "inbox.tasks.inbound_message_process")["queue"].name == "celery"
    # A worker started without -Q consumes these, polling them in this order.
    assert [queue.name for queue in app.conf.task_queues] == ["replies", "celery"]
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"
    # Distinct routing keys: one shared key would copy every task into both queues.
    assert len({queue.routing_key for queue in app.conf.task_queues}) == 2
