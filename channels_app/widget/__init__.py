"""The embeddable live chat widget: visitor tokens, its websocket consumer, its sender."""
