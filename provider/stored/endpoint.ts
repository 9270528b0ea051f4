// The provider object the state of a endpoint names as `require("pulumi-yotta/provider/stored/endpoint")`.
import { dispatchingProvider } from "./calls";

export = dispatchingProvider("endpoint");
