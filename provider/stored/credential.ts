// The provider object the state of a credential names as `require("pulumi-yotta/provider/stored/credential")`.
import { dispatchingProvider } from "./calls";

export = dispatchingProvider("credential");
