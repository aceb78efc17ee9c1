import Testing
import FieldConsole
