"""The service: channel adapters (portal widget, WeChat, agent console), the form hand-off page,
the search API and the Rasa action endpoint, all in one Sanic app (:mod:`channels.app`)."""
