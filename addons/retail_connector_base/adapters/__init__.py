from . import common
from . import shopify_graphql
from . import shopify
from . import simulator
