#include "tmtmock.h"
int sign_main(int argc, char **argv) { (void)argc; (void)argv; return 2; }
