import { render } from "preact";
import "./styles.css";
import { App } from "./App";
import { interceptLinks } from "./router";

interceptLinks();
render(<App />, document.getElementById("root")!);
