// The declaration only: libFuzzer defines LLVMFuzzerRunDriver.
