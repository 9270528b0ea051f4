// The provider object the state of a stack's key names as
// `require("pulumi-yotta/provider/stored/stack-key")`.
import { dispatchingProvider } from "./calls";

export = dispatchingProvider("stack-key");
