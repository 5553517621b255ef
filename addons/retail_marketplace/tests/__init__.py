from . import test_adapters
from . import test_install
