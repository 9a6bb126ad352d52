// Boost.JSON compiled from source into the fuzz build (instrumented for
// coverage and sanitizers) instead of linking Debian's prebuilt library.
#include <boost/json/src.hpp>
