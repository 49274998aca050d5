"""Custom actions (rasa-sdk), executed inside the service at ``/webhook``.

One module per concern. Every module here is registered with the action executor by
:func:`channels.action_endpoint.create_executor`.
"""
