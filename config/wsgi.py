import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Never serve without a secret of our own: settings leave it empty when DEBUG is off and none
# is given (so management commands still run); the server stops here instead, saying why.
try:
    settings.SECRET_KEY  # noqa: B018  (Django raises on an empty secret)
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for a laptop)"
    ) from exc

application = get_wsgi_application()
