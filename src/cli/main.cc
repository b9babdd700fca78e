// Thin on purpose: everything, including the exit status, is decided in cli/app.cc.
#include "cli/app.h"

int main(int argc, char** argv) { return tickerflow::cli::Main(argc, argv); }
