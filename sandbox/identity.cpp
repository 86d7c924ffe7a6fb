#include "sandbox/identity.hpp"
