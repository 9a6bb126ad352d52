# Warnings and sanitizers apply to project code only, through this target.
add_library(sb_options INTERFACE)
target_compile_options(sb_options INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers)
target_compile_definitions(sb_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW
  BOOST_ASIO_DISABLE_BOOST_COROUTINE)
if(SB_SANITIZE)
  target_compile_options(sb_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(sb_options INTERFACE -fsanitize=address,undefined)
endif()

