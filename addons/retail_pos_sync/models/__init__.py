from . import retail_backend
from . import retail_event
from . import retail_pos_store
from . import retail_pos_terminal
from . import retail_pos_transaction
from . import pos_session
from . import pos_order
