from . import test_backend_credentials
from . import test_binding
from . import test_event_processing
from . import test_flows_and_mappings
from . import test_http_client
from . import test_install
from . import test_webhook_controller
from . import test_dashboards_tour
