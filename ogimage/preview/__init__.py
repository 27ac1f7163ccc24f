"""The design preview page (``/preview``) and ``ogimage serve --reload``.

- ``static/``         the page: plain HTML, CSS and JavaScript, no build step, no CDN
- ``platforms.toml``  how X, Facebook, LinkedIn, Slack and Discord crop and frame a card
- ``vendor/``         Swagger UI and ReDoc (with their licences) for offline ``/docs``
- :mod:`.reload`      rebuilds the service when templates, assets or fonts change

The routes live in :mod:`ogimage.http.preview`; nothing here renders.
"""
