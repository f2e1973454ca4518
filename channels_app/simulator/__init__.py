"""Demo aids (DEBUG / DEMO_SIMULATOR only): a storefront that embeds the widget, a customer's mailbox."""
