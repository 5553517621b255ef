from . import test_disputes
