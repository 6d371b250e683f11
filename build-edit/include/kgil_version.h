/* Generated from VERSION by make. */
#define KGIL_LIB_VERSION "0.1.0"
