// The provider object the state of a vm names as `require("pulumi-yotta/provider/stored/vm")`.
import { dispatchingProvider } from "./calls";

export = dispatchingProvider("vm");
